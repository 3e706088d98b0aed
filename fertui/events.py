"""Reading a run's events incrementally, the way a log tailer does.

A run has two event files in the same format: ``events.jsonl``, written by the job (fertui.report,
fertui.wandb), and ``captured.jsonl``, written by the manager from what it captured of the
job's output, CSV logs and TensorBoard files (fertui.capture). Readers take both.

The reader remembers its byte offset and leaves a half-written last line for the next read,
so it never parses a torn event. A malformed complete line is counted and skipped, alone.
Once the job has ended, its last line will never be completed: a ``final`` read takes it as it is
(an event the job wrote without its newline still counts; a torn one is a bad line).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fertui.jsonio import loads

EVENTS_FILE = "events.jsonl"
CAPTURED_FILE = "captured.jsonl"
EVENT_FILES = (EVENTS_FILE, CAPTURED_FILE)
MAX_EVENT_LINE = 1 << 20  # a longer line is no event a job meant to write: skipped unparsed
READ_BYTES = 8 << 20  # one read's worth of a file: what a tick costs at most, per file


class EventTail:
    def __init__(self, path: Path, offset: int = 0):
        self.path = Path(path)
        self.offset = offset
        self.bad_lines = 0

    def read(self, max_bytes: int = READ_BYTES, final: bool = False) -> list[dict[str, Any]]:
        """New complete events since the last call (at most MAX_BYTES of file per call).

        FINAL: the writer has ended, so a last line without its newline is read too."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read(max_bytes)
        except FileNotFoundError:
            return []
        if final and chunk and not chunk.endswith(b"\n") and (max_bytes < 0 or len(chunk) < max_bytes):
            body = chunk  # the writer has ended: no more of this last line will come
        else:
            end = chunk.rfind(b"\n")
            if end < 0:
                if max_bytes > 0 and len(chunk) >= max_bytes:  # one line longer than a read: never an event
                    self.offset += len(chunk)
                    self.bad_lines += 1
                return []
            body = chunk[: end + 1]
        self.offset += len(body)
        events = []
        for line in body.split(b"\n"):
            if not line.strip():
                continue
            if len(line) > MAX_EVENT_LINE:
                self.bad_lines += 1
                continue
            try:
                event = loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):  # JSONDecodeError is a ValueError
                self.bad_lines += 1
                continue
            if isinstance(event, dict):
                events.append(event)
            else:
                self.bad_lines += 1
        return events


def read_all(path: Path) -> list[dict[str, Any]]:
    return EventTail(path).read(max_bytes=-1)


def iter_events(path: Path, chunk_bytes: int = 8 << 20) -> Iterator[dict[str, Any]]:
    """Every complete event of PATH, read CHUNK_BYTES at a time: a 2 GB file costs one chunk
    of memory, not two gigabytes."""
    tail = EventTail(path)
    while True:
        before = tail.offset
        events = tail.read(max_bytes=chunk_bytes)
        yield from events
        if tail.offset == before:
            return


def read_run_events(run_dir: Path) -> Iterator[dict[str, Any]]:
    """Every event of the run in RUN_DIR, streamed: the job's own, then the captured ones."""
    for name in EVENT_FILES:
        yield from iter_events(Path(run_dir) / name)
