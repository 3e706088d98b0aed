"""The store's last line of defence: the previous good store in ``runs/fertui.json.bak``.

Each write first hard-links the current file (which it has just read and parsed) as the backup,
then renames the new file over it: the backup costs one link, not a copy. A store found empty
or unparsable stops every command with a line naming the backup and ``fertui store restore``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from fertui.atomicio import atomic_write_text
from fertui.jsonio import loads
from fertui.errors import StoreDamaged, UserError


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def keep_backup(path: Path) -> None:
    """Make the current store the backup (called under the store lock, just before a write)."""
    if not path.exists():
        return
    bak = backup_path(path)
    tmp = path.with_name(path.name + ".bak.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(path, tmp)
    except OSError:  # a filesystem without hard links: a copy, dearer but as good
        shutil.copy2(path, tmp)
    os.replace(tmp, bak)


def damaged(path: Path, what: str) -> StoreDamaged:
    bak = backup_path(path)
    if bak.exists():
        hint = f"the previous good store is {bak}: `fertui store restore` puts it back"
    elif path.parent.name == "store":  # a partition: every run in it has its folder
        hint = "it has no backup yet; `fertui store restore` rebuilds its runs from their folders"
    else:
        hint = "there is no backup; restore it from your own copy"
    return StoreDamaged(f"{path}: the store {what}; {hint}")


def read_json_file(path: Path) -> dict[str, Any]:
    """A store file's tables ({} when it does not exist), or StoreDamaged naming its backup."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    if not text.strip():  # fertui never writes an empty store: this one was truncated
        raise damaged(path, f"is empty ({len(text)} bytes)")
    try:
        return loads(text)
    except (ValueError, RecursionError) as exc:
        raise damaged(path, f"is not valid JSON ({exc})") from None


def set_aside(path: Path) -> Path:
    """Move a damaged file out of the way, beside where it was; where it went."""
    kept = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, kept)
    return kept


def restore(path: Path, parse) -> tuple[dict, Path | None]:
    """Put the backup back (PARSE checks it first); the damaged file is kept beside it.
    The restored tables, and where the damaged file went (None if there was none)."""
    bak = backup_path(path)
    if not bak.exists():
        raise UserError(f"{bak}: no backup to restore")
    text = bak.read_text(encoding="utf-8")
    try:
        tables = parse(text)
    except ValueError as exc:
        raise UserError(f"{bak}: the backup is not valid JSON either ({exc})") from None
    kept = set_aside(path) if path.exists() else None
    atomic_write_text(path, text)
    return tables, kept
