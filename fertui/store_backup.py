"""The store's last line of defence: the previous good store in ``runs/fertui.json.bak``.

Each write first hard-links the current file (which it has just read and parsed) as the backup,
then renames the new file over it: the backup costs one link, not a copy. A store found empty
or unparsable stops every command with a line naming the backup and ``fertui store restore``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import tomllib
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError


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


def damaged(path: Path, what: str) -> UserError:
    bak = backup_path(path)
    if bak.exists():
        hint = f"the previous good store is {bak}: `fertui store restore` puts it back"
    else:
        hint = "there is no backup; restore it from your own copy"
    return UserError(f"{path}: the store {what}; {hint}")


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
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(path, kept)
    atomic_write_text(path, text)
    return tables, kept


def run_folders_missing(store, runs_dir: Path) -> list[dict]:
    """Run documents for the run folders the (restored) store does not know: the backup is one
    write behind, so the runs queued or ended in that last write are rebuilt from their folders
    (config.toml, exit.json): ended, lost (started, no exit record) or, never started, queued."""
    known = {r["id"] for r in store.runs()}
    docs = []
    for folder in sorted(runs_dir.iterdir()):
        if not (folder.name.isdigit() and folder.name not in known and (folder / "config.toml").is_file()):
            continue
        try:
            config = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        meta = config.pop("fertui", {})
        try:
            ended = json.loads((folder / "exit.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ended = None
        if ended is not None:
            status = "done" if ended.get("exit_code") == 0 else "failed"
        else:  # never started (no output yet): queued again; started: how it ended is unknown
            status = "lost" if (folder / "stdout.log").exists() else "queued"
        job = config.get("job", {})
        docs.append({"id": folder.name, "name": meta.get("name") or folder.name, "status": status,
                     "kind": job.get("kind", "train"), "command": list(job.get("command", [])), "config": config,
                     "params": {}, "sweep": meta.get("sweep") or None, "tags": [], "priority": 0, "attempts": 0,
                     "created": folder.stat().st_mtime, "ended": (ended or {}).get("ended"),
                     "exit_code": (ended or {}).get("exit_code"), "recovered": "rebuilt from its folder after "
                     "`fertui store restore`", "summary": {"last": {}, "best": {}}})
    return docs
