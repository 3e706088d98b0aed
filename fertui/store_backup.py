"""The store's last line of defence: the previous good store in ``runs/fertui.json.bak``.

Each write first hard-links the current file (which it has just read, parsed and checked) as
the backup, then renames the new file over it: the backup costs one link, not a copy. A store
file found empty, unparsable or of the wrong shape (see :mod:`fertui.store_validate`) stops
every command with one line naming the way out, ``fertui store restore`` (fertui.store_restore).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from fertui.errors import StoreDamaged
from fertui.jsonio import loads
from fertui.store_validate import shape_problem


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
    if good_backup(path) is not None:
        hint = f"the previous good store is {bak}: `fertui store restore` puts it back"
    elif bak.exists():  # a double fault: the run folders still hold every run
        hint = f"its backup {bak.name} is damaged too; `fertui store restore` rebuilds the runs from their folders"
    else:
        hint = "it has no backup; `fertui store restore` rebuilds its runs from their folders"
    return StoreDamaged(f"{path}: the store {what}; {hint}")


def parse_store_text(path: Path, text: str, table: str | None = None) -> dict[str, Any]:
    """TEXT (the content of store file PATH, which must hold TABLE) as tables, or StoreDamaged
    saying what is wrong."""
    if not text.strip():  # fertui never writes an empty store: this one was truncated
        raise damaged(path, f"is empty ({len(text)} bytes)")
    try:
        tables = loads(text)
    except (ValueError, RecursionError) as exc:
        raise damaged(path, f"is not valid JSON ({exc})") from None
    problem = shape_problem(tables, table)
    if problem:
        raise damaged(path, f"has the wrong shape ({problem})")
    return tables


def read_json_file(path: Path, table: str | None = None) -> dict[str, Any]:
    """A store file's tables ({} when it does not exist), or StoreDamaged naming the way out.
    TABLE: the one it must hold (runs, for a partition)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return parse_store_text(path, text, table)


def good_backup(path: Path) -> tuple[str, dict] | None:
    """The text and tables of PATH's backup when it reads and has the right shape, else None."""
    bak = backup_path(path)
    try:
        text = bak.read_text(encoding="utf-8")
    except OSError:
        return None
    problem = None
    try:
        tables = loads(text) if text.strip() else None
        problem = shape_problem(tables)
    except (ValueError, RecursionError):
        problem = "unparsable"
    return None if problem else (text, tables)


def set_aside(path: Path, why: str = "damaged") -> Path:
    """Move a file out of the way, beside where it was, named ``<name>.<why>-<time>``; where it went."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.{why}-{stamp}")
    n = 1
    while kept.exists():  # two restores within a second must not overwrite the first one's copy
        n += 1
        kept = path.with_name(f"{path.name}.{why}-{stamp}-{n}")
    os.replace(path, kept)
    return kept
