"""A copy of each sweep record beside the partitions: ``runs/store/sweeps/<name>.json``.

The sweep records (axes, objective, strategy) live in the hot file, whose backup is the only
other copy; when both are lost (a double fault) the runs come back from their folders, and a
sweep's record from here, so boards, compare and suggest still know the sweep. Written when a
sweep is queued or changed (rarely), atomically; a copy that does not read is skipped.
"""

from __future__ import annotations

from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.jsonio import dumps, loads
from fertui.store_partitions import safe_name

SWEEPS_DIR = "sweeps"


def write_sweep_copy(partitions: Path, doc: dict) -> None:
    folder = partitions / SWEEPS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{safe_name(str(doc['name']))}.json", dumps(doc))


def read_sweep_copies(partitions: Path) -> list[dict]:
    docs = []
    for path in sorted((partitions / SWEEPS_DIR).glob("*.json")):
        try:
            doc = loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("name"), str):
            docs.append(doc)
    return docs
