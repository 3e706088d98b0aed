"""Where finished runs live: ``runs/store/<partition>+<chunk>.json``, written when a run ends.

A finished run belongs to the partition of its sweep (``sweep-<name>``) or, outside any sweep,
to the month it was queued in (``month-2026-12``), and inside it to the chunk of its number
(``month-2026-12+24.json``; see :mod:`fertui.store_chunks`). A file holds one TinyDB table,
``runs``, keyed by the run's number, one run a line (still one JSON document, so TinyDB and any
JSON tool read it; the lines let ``ls --json --all`` pass runs through without decoding and
encoding them again), and is replaced whole and atomically (with the previous version kept as
``.bak``, as the hot file is) only when one of its runs moves in or changes: a board reads one
sweep's files, and no write ever pays for the other chunks. A file without ``+`` is a partition
written whole by an older fertui; the first write transaction splits it into chunks
(:mod:`fertui.store_rechunk`).

``runs/store/.index.json`` keeps, for each file, the ranges of run numbers it holds
(``[[1, 40], [97, 97]]``: sweeps are queued in blocks, so this stays a few numbers per file), so
a listing opens the newest files first. It is written when a run moves, never by a live-summary
write (so the hot file stays the same size however many partitions there are), and it is a hint:
a run is looked for in the hot file first, then in the files the index names, then in the chunk
its number belongs to, then everywhere.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.jsonio import dumps, loads
from fertui.store_backup import backup_path, keep_backup, read_json_file
from fertui.store_chunks import (
    CHUNK_MARK,
    HEAD,
    TAIL,
    ChunkRows,
    file_signature,
    is_chunk,
    line_of,
    lines_from_end,
    split_lines,
)
from fertui.store_rows import ROWS_DIR, SweepRows, has_rows
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
    """The partition files of one store (``runs/store/``): chunks, and older whole partitions."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.rows = SweepRows(self.folder / ROWS_DIR, self.path)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}{SUFFIX}"

    def names(self) -> list[str]:
        try:
            return sorted(
                p.name[: -len(SUFFIX)]
                for p in self.folder.iterdir()
                if p.name.endswith(SUFFIX) and not p.name.startswith(".")
            )
        except FileNotFoundError:
            return []

    def chunks(self, partitions: list[str] | None) -> list[str]:
        """The files of PARTITIONS (None: every file): their chunks and older whole files."""
        if partitions is None:
            return self.names()
        wanted = set(partitions)
        return [n for n in self.names() if n.split(CHUNK_MARK, 1)[0] in wanted]

    def read(self, name: str) -> dict[str, dict]:
        """{run number: run} of file NAME ({} if it does not exist)."""
        return read_json_file(self.path(name), "runs").get("runs", {})

    def read_rows(self, name: str) -> ChunkRows:
        """File NAME as a transaction holds it (empty if it does not exist)."""
        source = file_signature(self.path(name))  # under the store lock: no writer meanwhile
        try:
            text = self.path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return ChunkRows()
        lines = split_lines(text)
        if lines is not None:
            return ChunkRows(lines, source=source)
        return ChunkRows(docs=self.read(name), source=source)

    def find(self, name: str, number: int) -> dict | None:
        """Run NUMBER of file NAME, decoding only its line (None if it is not there)."""
        try:
            text = self.path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if text.startswith(HEAD) and text.endswith(TAIL):
            line = line_of(text, number)
            return None if line is None else loads(line)
        return self.read(name).get(str(number))

    def newest_first(self, name: str) -> Iterator[tuple[int, str]]:
        """(number, the run's JSON text) of file NAME, newest first: a chunk is read from its end,
        a file laid out otherwise is read whole."""
        path = self.path(name)
        if is_chunk(name) and _framed(path):
            yield from lines_from_end(path)
            return
        rows = self.raw_rows(name)
        if rows is None:
            rows = {n: dumps(d) for n, d in self.read(name).items()}
        for number in sorted(rows, key=int, reverse=True):
            yield int(number), rows[number]

    def write(self, name: str, rows: ChunkRows | dict[str, dict]) -> None:
        """Replace file NAME with ROWS (or {number: run}; called under the store lock). An emptied
        file is removed."""
        if not isinstance(rows, ChunkRows):
            rows = ChunkRows(docs=rows)
        path = self.path(name)
        if not len(rows):
            path.unlink(missing_ok=True)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            keep_backup(path)
            atomic_write_text(path, rows.text())
        if has_rows(name) and is_chunk(name):  # after the chunk: rows never newer than it
            self.rows.write(name, rows)

    def sweep_rows(self, name: str) -> dict[str, dict]:
        """{number: row} of file NAME (see fertui.store_rows)."""
        return self.rows.read(name, self.read)

    def remove(self, name: str) -> None:
        """Remove file NAME and its backup (its runs are safely elsewhere now)."""
        self.path(name).unlink(missing_ok=True)
        backup_path(self.path(name)).unlink(missing_ok=True)
        self.rows.path(name).unlink(missing_ok=True)

    def read_index(self) -> dict[str, Ranges]:
        """{file: run-number ranges}; {} when missing or unreadable (it is only a hint)."""
        try:
            index = loads((self.folder / INDEX_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return index if valid_index(index) else {}

    def write_index(self, index: dict[str, Ranges]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / INDEX_FILE, dumps(index))

    def raw_rows(self, name: str) -> dict[str, str] | None:
        """{run number: the run's JSON text} of file NAME as fertui writes it, one run a line;
        None when the file is laid out otherwise (edited by hand): parse it instead."""
        try:
            text = self.path(name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        return split_lines(text)


def _framed(path: Path) -> bool:
    """Whether PATH starts and ends as fertui writes a file (a torn one is read whole, and fails)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(HEAD))
            fh.seek(max(0, fh.seek(0, 2) - len(TAIL)))
            return head == HEAD.encode() and fh.read() == TAIL.encode()
    except FileNotFoundError:
        return False
