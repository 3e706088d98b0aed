"""Reading a run's events.jsonl incrementally, the way a log tailer does.

The reader remembers its byte offset and leaves a half-written last line for the next read,
so it never parses a torn event. A malformed complete line is counted and skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fertui.jsonio import loads


class EventTail:
    def __init__(self, path: Path, offset: int = 0):
        self.path = Path(path)
        self.offset = offset
        self.bad_lines = 0

    def read(self, max_bytes: int = 8 << 20) -> list[dict[str, Any]]:
        """New complete events since the last call (at most MAX_BYTES of file per call)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read(max_bytes)
        except FileNotFoundError:
            return []
        end = chunk.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        events = []
        for line in chunk[:end].split(b"\n"):
            if not line.strip():
                continue
            try:
                event = loads(line.decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.bad_lines += 1
                continue
            if isinstance(event, dict):
                events.append(event)
            else:
                self.bad_lines += 1
        return events


def read_all(path: Path) -> list[dict[str, Any]]:
    return EventTail(path).read(max_bytes=-1)
