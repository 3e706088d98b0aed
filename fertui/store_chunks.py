"""Chunks: a partition's finished runs in files of bounded size, one run a line, by run number.

A partition (a sweep, or a month outside sweeps) is cut by run number into blocks of
``CHUNK_RUNS`` numbers, each its own file: run 12345 of ``month-2026-12`` lives in
``month-2026-12+24.json`` (12345 // 500), so a month of 20,000 runs or a sweep of 10,000 is
40 or 20 files of at most 500 runs (about 1 MB at 2 KB a run) and a write rewrites one of them.
The bound was chosen by measurement (BENCHMARKS.md, "Store: one large month, one large sweep"):
rewriting a 500-run chunk costs about its fsync; at 2,000 runs parsing it alone costs ~90 ms.

Inside a file the runs are sorted by number, one a line, so a listing of the newest runs reads the
file backwards and stops, and ``show`` finds its run's line and decodes only that line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from fertui.jsonio import dumps, loads

CHUNK_RUNS = 500
CHUNK_MARK = "+"  # never in a partition name (safe_name keeps [A-Za-z0-9._-] only)
HEAD = '{"runs":{\n'
TAIL = "\n}}\n"
_BLOCK = 1 << 16


def file_signature(path: Path):
    """(mtime, size, inode) of PATH, or None: a cheap "has it changed?" without reading it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def chunk_name(partition: str, number: int) -> str:
    return f"{partition}{CHUNK_MARK}{number // CHUNK_RUNS}"


def partition_of_chunk(name: str) -> str:
    return name.split(CHUNK_MARK, 1)[0]


def is_chunk(name: str) -> bool:
    """Whether file NAME is a chunk (sorted by number), not a partition written whole before chunks."""
    return CHUNK_MARK in name


def chunk_text(lines: dict[str, str]) -> str:
    """The file holding LINES ({number: the run's JSON}), sorted by number."""
    ordered = sorted(lines.items(), key=lambda kv: int(kv[0]))
    return HEAD + ",\n".join(f'"{int(n)}":{text}' for n, text in ordered) + TAIL


def split_lines(text: str) -> dict[str, str] | None:
    """{number: the run's JSON text} of a file as fertui writes it; None when laid out otherwise
    (edited by hand, or torn): the caller parses it whole instead."""
    if not (text.startswith(HEAD) and text.endswith(TAIL)):
        return None
    body = text[len(HEAD) : -len(TAIL)]
    rows: dict[str, str] = {}
    for line in body.split("\n") if body else []:
        key, sep, value = line.partition(":")
        if not (sep and key.startswith('"') and key.endswith('"') and key[1:-1].isdigit()):
            return None
        rows[key[1:-1]] = value.removesuffix(",")
    return rows


def line_of(text: str, number: int) -> str | None:
    """The JSON text of run NUMBER in a file as fertui writes it, found without parsing the rest
    (a raw newline only ever separates runs: JSON escapes it inside strings); None if absent."""
    key = f'\n"{number}":'
    at = text.find(key)
    if at < 0:
        return None
    end = text.find("\n", at + 1)
    value = text[at + len(key) : end]
    return value.removesuffix(",")


def lines_from_end(path: Path) -> Iterator[tuple[int, str]]:
    """(number, JSON text) of a chunk's runs, newest first, read from the end of the file in
    blocks: a listing that stops after 50 runs reads about 50 lines."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        at, carry = size, b""
        while at > 0:
            step = min(_BLOCK, at)
            at -= step
            fh.seek(at)
            block = fh.read(step) + carry
            pieces = block.split(b"\n")
            carry = pieces[0]  # may be the end of a line that starts in the previous block
            for piece in reversed(pieces[1:]):
                row = _row(piece)
                if row is not None:
                    yield row
        row = _row(carry)
        if row is not None:
            yield row


def _row(piece: bytes) -> tuple[int, str] | None:
    key, sep, value = piece.decode("utf-8").partition(":")
    if not (sep and key.startswith('"') and key.endswith('"') and key[1:-1].isdigit()):
        return None  # the head or tail line
    return int(key[1:-1]), value.removesuffix(",")


class ChunkRows:
    """One file's runs as a transaction holds them: each run's stored line, decoded only when
    asked for, so moving one run into a 500-run chunk encodes one run, not 500."""

    def __init__(self, lines: dict[str, str] | None = None, docs: dict[str, dict] | None = None, source=None):
        self._lines = dict(lines or {})
        self._docs: dict[str, dict] = {}
        self.source = source  # the signature of the file these rows were read from
        self.changed: set[str] = set()  # the runs put or removed since
        for number, doc in (docs or {}).items():
            self[number] = doc

    def __contains__(self, number: object) -> bool:
        return number in self._lines

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __getitem__(self, number: str) -> dict:
        if number not in self._docs:
            self._docs[number] = loads(self._lines[number])
        return self._docs[number]

    def __setitem__(self, number: str, doc: dict) -> None:
        self._lines[number] = dumps(doc)
        self._docs[number] = doc
        self.changed.add(number)

    def pop(self, number: str, default=None):
        self._docs.pop(number, None)
        self.changed.add(number)
        return self._lines.pop(number, default)

    def line(self, number: str) -> str:
        return self._lines[number]

    def put_line(self, number: str, text: str) -> None:
        self._lines[number] = text
        self._docs.pop(number, None)
        self.changed.add(number)

    def numbers(self) -> list[int]:
        return sorted(int(n) for n in self._lines)

    def text(self) -> str:
        return chunk_text(self._lines)
