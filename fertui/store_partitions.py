"""Where finished runs live: ``runs/store/<partition>.json``, written when a run ends.

A finished run belongs to the partition of its sweep (``sweep-<name>.json``) or, outside any
sweep, to the month it was queued in (``month-2026-12.json``). A partition holds one TinyDB
table, ``runs``, keyed by the run's number, one run a line (still one JSON document, so TinyDB
and any JSON tool read it; the lines let ``ls --json --all`` pass runs through without decoding
and encoding them again), and is replaced whole and atomically (with the
previous version kept as ``.bak``, as the hot file is) only when one of its runs moves in or
changes: a board reads one sweep's file, and no write ever pays for the other partitions.

``runs/store/.index.json`` keeps, for each partition, the ranges of run numbers it holds
(``[[1, 40], [97, 97]]``: sweeps are queued in blocks, so this stays a few numbers per
partition), so ``fertui show 12345`` opens one partition, not all of them. It is written when a
run moves, never by a live-summary write (so the hot file stays the same size however many
partitions there are), and it is a hint: a run is looked for in the hot file first, then in
the partition the index names, then everywhere.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.jsonio import dumps
from fertui.store_backup import keep_backup, read_json_file
from fertui.store_validate import valid_index

PARTITION_DIR = "store"
SUFFIX = ".json"
INDEX_FILE = ".index.json"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

Ranges = list[list[int]]


def partition_of(run: dict) -> str:
    """The partition a finished run is moved into."""
    sweep = run.get("sweep")
    if sweep:
        return "sweep-" + safe_name(str(sweep))
    when = run.get("created") or run.get("ended") or time.time()
    return "month-" + time.strftime("%Y-%m", time.localtime(float(when)))


def sweep_partition(sweep: str) -> str:
    return "sweep-" + safe_name(sweep)


def safe_name(name: str) -> str:
    """NAME as a file name; names that had to change get a hash, so two never share a file."""
    cleaned = _SAFE.sub("_", name)[:80]
    if cleaned != name:
        cleaned += "-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return cleaned


def add_to_ranges(ranges: Ranges, number: int) -> Ranges:
    """RANGES (sorted, disjoint, inclusive) with NUMBER in it, neighbours merged."""
    spans = sorted([*ranges, [number, number]])
    merged: Ranges = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def in_ranges(ranges: Ranges, number: int) -> bool:
    return any(lo <= number <= hi for lo, hi in ranges)


class Partitions:
    """The partition files of one store (``runs/store/``)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}{SUFFIX}"

    def names(self) -> list[str]:
        try:
            return sorted(p.name[: -len(SUFFIX)] for p in self.folder.iterdir()
                          if p.name.endswith(SUFFIX) and not p.name.startswith("."))
        except FileNotFoundError:
            return []

    def read(self, name: str) -> dict[str, dict]:
        """{run number: run} of partition NAME ({} if it does not exist)."""
        return read_json_file(self.path(name)).get("runs", {})

    def write(self, name: str, runs: dict[str, dict]) -> None:
        """Replace partition NAME (called under the store lock). An emptied partition is removed."""
        path = self.path(name)
        if not runs:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        keep_backup(path)
        lines = ",\n".join(f'"{int(number)}":{dumps(doc)}' for number, doc in runs.items())
        atomic_write_text(path, '{"runs":{\n' + lines + "\n}}\n")

    def read_index(self) -> dict[str, Ranges]:
        """{partition: run-number ranges}; {} when missing or unreadable (it is only a hint)."""
        from fertui.jsonio import loads

        try:
            index = loads((self.folder / INDEX_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return index if valid_index(index) else {}

    def write_index(self, index: dict[str, Ranges]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / INDEX_FILE, dumps(index))

    def raw_rows(self, name: str) -> dict[str, str] | None:
        """{run number: the run's JSON text} of partition NAME as fertui writes it, one run a
        line; None when the file is laid out otherwise (edited by hand): parse it instead."""
        try:
            text = self.path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        lines = text.split("\n")
        if len(lines) < 3 or lines[0] != '{"runs":{' or lines[-2:] != ["}}", ""]:
            return None
        rows = {}
        for line in lines[1:-2]:
            key, sep, value = line.partition(":")
            if not (sep and key.startswith('"') and key.endswith('"') and key[1:-1].isdigit()):
                return None
            rows[key[1:-1]] = value[:-1] if value.endswith(",") else value
        return rows
