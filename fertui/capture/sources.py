"""One run's capture: printed lines, CSV logs and TensorBoard files turned into events.

The manager appends what it captures to ``runs/<id>/captured.jsonl`` (never to the job's own
events.jsonl: on a shared filesystem two writers of one file can interleave), in the same event
format, so the ingest, the console and the boards read both files alike. Each captured event
records where it came from (``src``) and how far that source had been read (``pos``); a
restarted manager reads those back and carries on from there, with nothing lost or doubled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fertui.capture.scalars import ScalarParser, resolve
from fertui.events import CAPTURED_FILE, read_all
from fertui.jsonio import dumps
from fertui.report import is_bad_loss

STDOUT_FILE = "stdout.log"
MAX_LINE = 64 << 10      # a longer "line" is a binary dump or a progress bar gone wrong: skipped
MAX_READ = 4 << 20
_LINE_END = re.compile(rb"[\r\n]")  # tqdm redraws with \r: each redraw is a line of its own


class StdoutSource:
    key = "stdout"

    def __init__(self, path: Path, parser: ScalarParser, position: int = 0):
        self.path, self.parser, self.offset = path, parser, position
        self.last_step = -1
        self.skipped_lines = 0

    def read(self, final: bool = False) -> list[dict[str, Any]]:
        """Events of the complete lines new since the last call (at most MAX_READ bytes of them).

        FINAL: the job has ended, so a last line without its line end is a line too."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read(MAX_READ)
        except FileNotFoundError:
            return []
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1  # just past the last complete line
        if final and len(chunk) < MAX_READ:
            end = len(chunk)  # at the end of the output: no more of the last line will come
        if end == 0:
            if len(chunk) >= MAX_LINE:  # one endless line: give it up rather than re-read it forever
                self.offset += len(chunk)
                self.skipped_lines += 1
            return []
        events, start = [], 0
        for match in _LINE_END.finditer(chunk, 0, end):
            self._line(chunk[start:match.start()], self.offset + match.end(), events)
            start = match.end()
        if start < end:  # the unterminated last line of a final read
            self._line(chunk[start:end], self.offset + end, events)
        self.offset += end
        return events

    def position(self) -> int:
        return self.offset

    def scan_now(self) -> None:
        """One file, known from the start: nothing to look for."""

    def _line(self, raw: bytes, pos: int, events: list[dict[str, Any]]) -> None:
        if not raw.strip():
            return
        if len(raw) > MAX_LINE:
            self.skipped_lines += 1
            return
        parsed = self.parser.parse(raw.decode("utf-8", errors="replace"))
        if parsed is None:
            return
        metrics, step, epoch = parsed
        step = self.last_step + 1 if step is None else step
        self.last_step = max(self.last_step, step)
        event = {"type": "log", "step": step, "metrics": metrics, "src": self.key, "pos": pos}
        if epoch is not None:
            event["epoch"] = epoch
        events.append(event)


def last_positions(path: Path) -> dict[str, int]:
    """How far each source had been read, from the captured events already written."""
    positions: dict[str, int] = {}
    for event in read_all(path):
        if isinstance(event.get("src"), str) and isinstance(event.get("pos"), int):
            positions[event["src"]] = max(positions.get(event["src"], 0), event["pos"])
    return positions


class Capture:
    """Every capture source of one run, as configured by its ``[job]`` section."""

    def __init__(self, run: dict, run_dir: Path):
        job = (run.get("config") or {}).get("job") or {}
        command_job = run.get("kind") == "command"
        self.out_path = run_dir / CAPTURED_FILE
        positions = last_positions(self.out_path)
        self.sources: list[Any] = []
        self.stdout: StdoutSource | None = None
        self.job_reports = False  # set by the ingest once the job writes log events of its own
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        try:  # a config the manager cannot capture from must still leave the run watched
            self._add_sources(job, command_job, run_dir, positions)
        except Exception as exc:
            self._warn(f"output capture is off: {exc}")

    def _add_sources(self, job: dict, command_job: bool, run_dir: Path, positions: dict[str, int]) -> None:
        mapping = dict(job.get("metrics_map") or {})
        parser, preset_csv = resolve(job.get("output_scalars", "auto"), mapping, default_on=command_job)
        if parser is not None:
            self.stdout = StdoutSource(run_dir / STDOUT_FILE, parser, positions.get(StdoutSource.key, 0))
            self.sources.append(self.stdout)
        csv = job.get("metrics_csv") or preset_csv
        if csv:
            from fertui.capture.csvlog import CsvSource

            self.sources.append(CsvSource(run_dir, csv, parser.metrics_map if parser else mapping, positions))
        if command_job and job.get("tensorboard", True):
            from fertui.capture.tensorboard import TensorBoardSource

            self.sources.append(TensorBoardSource(run_dir, mapping, positions))

    def read(self, final: bool = False) -> int:
        """Capture what is new (one read's worth of each source); append it to captured.jsonl;
        the number of events written. FINAL: the job has ended (see the sources' ``read``)."""
        lines: list[str] = []
        for source in self.sources:
            if source is self.stdout and self.job_reports and not source.parser.patterns:
                continue  # the default set stands down for a job that reports through fertui.report
            try:
                events = source.read(final)
            except Exception as exc:  # a source must never cost the other sources or the tick
                self._warn(f"{type(source).__name__}: {exc}")
                continue
            for event in events:
                lines.append(dumps(event))
                bad = [k for k, v in event["metrics"].items() if is_bad_loss(k, v)]
                if bad:
                    lines.append(dumps({"type": "nan", "step": event.get("step"), "epoch": event.get("epoch"),
                                        "metric": bad[0], "src": event["src"], "pos": event["pos"]}))
            unavailable = getattr(source, "unavailable", None)
            if unavailable:
                self._warn(unavailable)
        if lines:
            with open(self.out_path, "a", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
        return len(lines)

    def scan_now(self) -> None:
        """Let every file source look for new files at its next read, however recent its last look."""
        for source in self.sources:
            source.scan_now()

    def position(self) -> tuple:
        """How far every source has read: unchanged by a read means it has nothing more."""
        return tuple(source.position() for source in self.sources)

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self.warnings.append(message)
