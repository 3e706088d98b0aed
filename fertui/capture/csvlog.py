"""CSV metric logs in a run folder (timm's summary.csv, Lightning's metrics.csv), tailed into log events."""

from __future__ import annotations

import csv
import glob
import math
import os
import time
from pathlib import Path
from typing import BinaryIO

from fertui.capture import next_scan_delay

MAX_READ = 4 << 20


class _CsvFile:
    def __init__(self, path: Path, key: str, resume_at: int):
        self.path, self.key = path, key
        self.resume_at = resume_at  # byte offset a previous manager had read to; used on the first read
        self.header_line = b""  # kept whole, to notice a writer that rewrites the file with new columns
        self.columns: list[str] = []
        self.offset = 0  # just past the last complete row read
        self.rows = 0  # data rows read so far: the step of a file without a step column
        self.rows_to_skip = 0  # after a rewrite, rows already turned into events
        self.size = -1
        self.inode = -1
        self.shrank = False  # seen shorter than the offset once; a second time means a new log


class CsvSource:
    """Rows of every file matching PATTERN (relative to RUN_DIR, ``**`` allowed), one event per row."""

    def __init__(
        self,
        run_dir: Path,
        pattern: str,
        metrics_map: dict[str, str] | None = None,
        positions: dict[str, int] | None = None,
        rescan_s: float = 2.0,
    ):
        self.run_dir = Path(run_dir)
        # the run folder is escaped: a "[" in its name is a character, not a glob class
        self.pattern = pattern if os.path.isabs(pattern) else os.path.join(glob.escape(str(self.run_dir)), pattern)
        self.metrics_map = dict(metrics_map or {})
        self.positions = dict(positions or {})
        self.rescan_s = rescan_s
        self.files: dict[str, _CsvFile] = {}
        self.given_up: set[str] = set()
        self.next_scan = 0.0
        self.bad = 0

    def read(self, final: bool = False) -> list[dict]:
        """Events of the rows new since the last call (at most MAX_READ bytes per file).

        FINAL: the job has ended, so a last row without its newline is a row too."""
        if time.monotonic() >= self.next_scan:
            self._scan()
        events: list[dict] = []
        for key, file in list(self.files.items()):
            try:
                stat = file.path.stat()
                if stat.st_size != file.size or stat.st_ino != file.inode or (final and file.offset < stat.st_size):
                    self._tail(file, stat, events, final)
            except FileNotFoundError:
                del self.files[key]  # the file may come back on a later scan, read afresh
            except Exception:  # unreadable: given up for good, so a later scan cannot read it twice
                del self.files[key]
                self.given_up.add(key)
                self.bad += 1
        return events

    def scan_now(self) -> None:
        """Look for new files at the next read (a job writes its CSV log as it exits)."""
        self.next_scan = 0.0

    def position(self) -> tuple:
        return tuple((key, f.offset, f.rows, f.size) for key, f in sorted(self.files.items()))

    def _scan(self) -> None:
        started = time.monotonic()
        for name in glob.glob(self.pattern, recursive=True):
            path = Path(name)
            try:
                key = "csv:" + path.relative_to(self.run_dir).as_posix()
            except ValueError:  # an absolute pattern outside the run folder
                key = "csv:" + path.as_posix()
            if key not in self.files and key not in self.given_up and path.is_file():
                self.files[key] = _CsvFile(path, key, self.positions.pop(key, 0))
        # a run folder holding a dataset makes a ``**`` walk slow: walk it less often
        self.next_scan = time.monotonic() + next_scan_delay(self.rescan_s, time.monotonic() - started)

    def _tail(self, file: _CsvFile, stat: os.stat_result, events: list[dict], final: bool = False) -> None:
        with open(file.path, "rb") as fh:
            header_line = fh.readline()
            if stat.st_size < file.offset:
                if not file.shrank:  # perhaps mid-rewrite (Lightning truncates, then writes it all back)
                    file.shrank, file.size = True, -1
                    return
                file.offset, file.rows, file.rows_to_skip = 0, 0, 0  # still shorter: a new log, from the top
            elif file.header_line and (header_line != file.header_line or stat.st_ino != file.inode):
                # rewritten with more columns (Lightning does this): the same rows at new offsets
                file.offset, file.rows_to_skip, file.rows = 0, file.rows, 0
            file.shrank = False
            file.size, file.inode = stat.st_size, stat.st_ino
            if not header_line.endswith(b"\n"):
                return  # the header itself is still being written
            if header_line != file.header_line:
                file.header_line = header_line
                file.columns = [c.strip() for c in _cells(header_line.removeprefix(b"\xef\xbb\xbf"))]
            if file.offset < len(header_line):
                file.offset = len(header_line)
                if file.resume_at > file.offset:
                    self._resume(file, fh)
            fh.seek(file.offset)
            chunk = fh.read(MAX_READ)
        end = chunk.rfind(b"\n") + 1  # a row without its newline yet is left for the next read
        if final and len(chunk) < MAX_READ:
            end = len(chunk)  # the writer has ended: no more of its last row will come
        if len(chunk) == MAX_READ:
            file.size = -1  # more than one read's worth waiting: read on next time
            if end == 0:  # one endless "row": give it up rather than re-read it forever
                file.offset += len(chunk)
                self.bad += 1
                return
        start = 0
        while start < end:
            stop = chunk.find(b"\n", start, end) + 1 or end
            line, start = chunk[start:stop], stop
            if not line.strip():
                continue
            row_index, file.rows = file.rows, file.rows + 1
            if file.rows_to_skip:
                file.rows_to_skip -= 1
                continue
            event = self._event(file, line, row_index)
            if event is not None:
                event["pos"] = file.offset + stop
                events.append(event)
        file.offset += end

    def _resume(self, file: _CsvFile, fh: BinaryIO) -> None:
        """Continue where a previous manager stopped, counting the rows before it for their steps."""
        fh.seek(file.offset)
        wanted, file.resume_at = file.resume_at - file.offset, 0
        before = fh.read(wanted)
        if len(before) < wanted:
            return  # the file is shorter than the position: a new log, read from the top
        lines = before.split(b"\n")
        if lines[-1]:  # not at a row boundary, so rewritten since: resume at the row it falls in
            self.bad += 1
        file.rows = sum(1 for line in lines[:-1] if line.strip())
        file.offset += len(before) - len(lines[-1])

    def _event(self, file: _CsvFile, line: bytes, row_index: int) -> dict | None:
        metrics: dict[str, float] = {}
        step: int | None = None
        for column, cell in zip(file.columns, _cells(line)):
            if not cell.strip():
                continue
            try:
                value = float(cell)
            except ValueError:
                continue  # a name, a date: not a metric
            name = self.metrics_map.get(column, column)
            if name == "step":
                step = int(value) if math.isfinite(value) else None
            else:
                metrics[name] = value
        if not metrics:
            return None
        event: dict = {"type": "log", "step": row_index if step is None else step, "metrics": metrics, "src": file.key}
        if "epoch" in metrics and math.isfinite(metrics["epoch"]):
            event["epoch"] = metrics["epoch"]
        return event


def _cells(line: bytes) -> list[str]:
    try:
        return next(csv.reader([line.decode("utf-8", errors="replace").rstrip("\r\n")]), [])
    except csv.Error:  # a NUL byte, say: the row has no metrics
        return []
