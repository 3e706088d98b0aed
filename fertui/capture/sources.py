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
MAX_LINE = 64 << 10  # a longer "line" is a binary dump or a progress bar gone wrong: skipped
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
            self._line(chunk[start : match.start()], self.offset + match.end(), events)
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


def _metrics_scale(table: Any) -> dict[str, float]:
    """``[job] metrics_scale`` (validated at queue time): metric name -> factor."""
    if not isinstance(table, dict):
        return {}
    return {str(k): float(v) for k, v in table.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def last_positions(path: Path) -> dict[str, int]:
    """How far each source had been read, from the captured events already written."""
    positions: dict[str, int] = {}
    for event in read_all(path):
        if isinstance(event.get("src"), str) and isinstance(event.get("pos"), int):
            positions[event["src"]] = max(positions.get(event["src"], 0), event["pos"])
    return positions


class Capture:
    """Every capture source of one run, as configured by its ``[job]`` section."""

    def __init__(self, run: dict, run_dir: Path, out_path: Path | None = None):
        """OUT_PATH: where captured events go (``fertui reingest`` writes a fresh file aside)."""
        job = (run.get("config") or {}).get("job") or {}
        command_job = run.get("kind") == "command"
        self.out_path = out_path or run_dir / CAPTURED_FILE
        positions = last_positions(self.out_path)
        self.sources: list[Any] = []
        self.stdout: StdoutSource | None = None
        self.auto: Any = None  # the AutoStdoutSource under output_scalars = "auto"
        self.csv: Any = None
        self.label = ""  # the output_scalars setting named, for `fertui show`
        self.stdout_scale: dict[str, float] = {}
        self.scale = _metrics_scale(job.get("metrics_scale"))
        self.job_reports = False  # set by the ingest once the job writes log events of its own
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        try:  # a config the manager cannot capture from must still leave the run watched
            self._add_sources(job, command_job, run_dir, positions)
        except Exception as exc:
            self._warn(f"output capture is off: {exc}")

    def _add_sources(self, job: dict, command_job: bool, run_dir: Path, positions: dict[str, int]) -> None:
        mapping = dict(job.get("metrics_map") or {})
        setup = resolve(job.get("output_scalars", "auto"), mapping, default_on=command_job)
        position = positions.get(StdoutSource.key, 0)
        if setup is not None and setup.auto:
            # auto builds on this module, so it is imported here rather than at the top
            from fertui.capture.auto import AutoStdoutSource, previous_choice

            chosen = previous_choice(self.out_path) if position else None
            self.auto = AutoStdoutSource(run_dir / STDOUT_FILE, mapping, position, chosen)
            self.stdout = self.auto
            self.sources.append(self.stdout)
        elif setup is not None:
            self.stdout = StdoutSource(run_dir / STDOUT_FILE, setup.parser, position)
            self.sources.append(self.stdout)
            self.label, self.stdout_scale = setup.label, setup.scale
        self._run_dir, self._positions = run_dir, positions
        csv = job.get("metrics_csv") or (setup.metrics_csv if setup else "")
        if csv:
            self._add_csv(csv, setup.parser.metrics_map if setup and setup.parser else mapping)
        if command_job and job.get("tensorboard", True):
            from fertui.capture.tensorboard import TensorBoardSource

            self.sources.append(TensorBoardSource(run_dir, mapping, positions))

    def _add_csv(self, pattern: str, metrics_map: dict[str, str]) -> None:
        # only runs with a CSV log pay for importing its reader
        from fertui.capture.csvlog import CsvSource

        self.csv = CsvSource(self._run_dir, pattern, metrics_map, self._positions)
        self.sources.append(self.csv)

    def _scale_of(self, source: Any) -> dict[str, float]:
        """The units of SOURCE's metrics: its preset's, then the job's ``metrics_scale`` on top."""
        if source is self.auto:
            preset = self.auto.scale
        else:
            preset = self.stdout_scale if source is self.stdout else {}
        return {**preset, **self.scale} if preset else self.scale

    def read(self, final: bool = False, objective: str | None = None) -> int:
        """Capture what is new; append it to captured.jsonl; the number of events written.

        OBJECTIVE decides what ``auto`` looks for; FINAL: the job has ended, so ``auto`` decides
        with what there is rather than hold lines back."""
        if self.auto is not None:
            self.auto.decide_by(objective, final)
        lines: list[str] = []
        for source in list(self.sources):
            if source is self.stdout and self.job_reports and source.parser.only_default:
                continue  # the default set stands down for a job that reports through fertui.report
            try:
                events = source.read(final)
            except Exception as exc:  # a source must never cost the other sources or the tick
                self._warn(f"{type(source).__name__}: {exc}")
                continue
            scale = self._scale_of(source)
            for event in events:
                if scale and "metrics" in event:
                    event["metrics"] = {k: v * scale[k] if k in scale else v for k, v in event["metrics"].items()}
                lines.append(dumps(event))
                bad = [k for k, v in (event.get("metrics") or {}).items() if is_bad_loss(k, v)]
                if bad:
                    lines.append(
                        dumps(
                            {
                                "type": "nan",
                                "step": event.get("step"),
                                "epoch": event.get("epoch"),
                                "metric": bad[0],
                                "src": event["src"],
                                "pos": event["pos"],
                            }
                        )
                    )
            unavailable = getattr(source, "unavailable", None)
            if unavailable:
                self._warn(unavailable)
            if source is self.auto and self.auto.metrics_csv and self.csv is None:  # auto chose timm
                self._add_csv(self.auto.metrics_csv, self.auto.parser.metrics_map)
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
