"""What an ``output_scalars`` setting would capture from a saved log (``fertui capture test``).

The log goes through the same Capture a run's stdout.log does, in a scratch folder, so what it
shows is what a queued run would get: the preset ``auto`` chooses, each metric's values with
their units scaled, and where a non-finite loss would stop the run.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.capture.presets import PRESETS
from fertui.capture.sources import STDOUT_FILE, Capture
from fertui.errors import UserError
from fertui.events import CAPTURED_FILE, read_all
from fertui.metrics import DEFAULT_OBJECTIVE, best_of, name_direction
from fertui.records import EventKind, event_kind

MAX_READS = 100_000


@dataclass
class Series:
    metric: str
    epochs: list[float | None] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def best(self) -> float | None:
        return best_of(self.values, name_direction(self.metric))


@dataclass
class LogReading:
    path: str
    read_with: str  # the setting, or "auto -> PRESET"
    series: dict[str, Series]
    nan: dict[str, Any] | None  # the first NaN event: where the run would have stopped
    objective: str

    def to_json(self) -> dict[str, Any]:
        return {
            "log": self.path,
            "read_with": self.read_with,
            "objective": self.objective,
            "found_objective": self.objective in self.series,
            "nan": self.nan,
            "metrics": {m: {"values": s.values, "epochs": s.epochs, "best": s.best} for m, s in self.series.items()},
        }


def require_preset(name: str) -> str:
    """NAME when it names a preset (or auto/default), else a one-line UserError with the choices."""
    choices = ["auto", *PRESETS, "default"]
    if name in choices:
        return name
    import difflib  # only on this error path

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UserError(f"--preset: {name!r} is not a preset{hint}; presets: {', '.join(choices)}")


def read_log(path: Path, job: dict[str, Any], objective: str = DEFAULT_OBJECTIVE) -> LogReading:
    """PATH read as a command job's stdout.log under the ``[job]`` settings JOB."""
    with tempfile.TemporaryDirectory(prefix="fertui-capture-") as scratch:
        run_dir = Path(scratch)
        os.symlink(path.resolve(), run_dir / STDOUT_FILE)
        capture = Capture({"kind": "command", "config": {"job": {**job, "tensorboard": False}}}, run_dir)
        for _ in range(MAX_READS):
            before = capture.stdout.offset if capture.stdout else None
            capture.read(objective=objective)
            if capture.stdout is None or capture.stdout.offset == before:
                break
        capture.read(final=True, objective=objective)
        events = read_all(run_dir / CAPTURED_FILE)
    series: dict[str, Series] = {}
    read_with, nan = capture.label or str(job.get("output_scalars", "auto")), None
    for event in events:
        if event_kind(event) is EventKind.CAPTURE:
            read_with = f"auto -> {event['output_scalars']}"
        elif event_kind(event) is EventKind.NAN and nan is None:
            nan = {k: event.get(k) for k in ("metric", "step", "epoch")}
        for metric, value in (event.get("metrics") or {}).items():
            found = series.setdefault(metric, Series(metric))
            found.values.append(value)
            found.epochs.append(event.get("epoch"))
    return LogReading(str(path), read_with, series, nan, objective)


def reading_lines(reading: LogReading) -> list[str]:
    """The reading as plain lines: the setting, one line per metric, the objective and NaN verdicts."""
    lines = [f"{reading.path}: read with {reading.read_with}"]
    if not reading.series:
        lines.append("nothing captured: try --preset NAME or --pattern REGEX (see docs/capture.md)")
    else:
        width = max(len(m) for m in reading.series)
        lines.append(f"{'metric':{width}}  {'values':>6}  {'first':>10}  {'last':>10}  {'best':>10}")
    for metric in sorted(reading.series):
        s = reading.series[metric]
        best = "" if s.best is None else f"{s.best:10.5g}"
        lines.append(f"{metric:{width}}  {len(s.values):6d}  {s.values[0]:10.5g}  {s.values[-1]:10.5g}  {best:>10}")
    found = reading.objective in reading.series
    lines.append(
        f"objective {reading.objective}: "
        + ("found" if found else f"NOT found: a sweep run would end 'done (no {reading.objective})'")
    )
    if reading.nan:
        lines.append(f"non-finite {reading.nan['metric']} at step {reading.nan['step']}: the run would stop there")
    return lines
