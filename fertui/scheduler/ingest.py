"""Turning a running job's events into the run's ``summary`` (scheduler side).

One RunIngest per running job first captures what the job printed or logged in files
(fertui.capture, into captured.jsonl), then tails both event files (the byte offsets live in
memory; after a restart the summary is recomputed from the start of the files). ``read()``
returns what the scheduler must act on: NaN events, OOM events and per-epoch objective values.

Each ``read()`` takes at most one read's worth of every file, so a tick stays cheap however much
a job prints. A run is closed only after ``read_to_end()``: every file read to its end in such
chunks, the run folder searched again for CSV and TensorBoard files (Lightning writes its CSV as
it exits), and last lines without their newline taken as lines: the summary, Optuna's value and
the console (which reads the same files) then agree on the final number.

The summary is a :class:`fertui.records.RunSummary`; each metric's ``best`` is kept in that
metric's direction as :mod:`fertui.metrics` decides it for this run (its sweep's objective, the
objective its job declares, ``[job] metrics_direction``), so every view reads the right best.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fertui.capture.sources import Capture
from fertui.events import CAPTURED_FILE, EVENTS_FILE, EventTail
from fertui.metrics import DEFAULT_OBJECTIVE, Direction, Objective, direction_of
from fertui.records import EventKind, RunSummary, event_kind, run_objective
from fertui.scheduler.objective_watch import MissingObjective, missing_objective

MAX_FINAL_READS = 100_000  # each read takes up to 8 MB of a file: far past any real run


@dataclass
class Happening:
    kind: str  # "nan" | "oom" | "epoch" | "bench_row"
    event: dict[str, Any]
    value: float | None = None  # the objective's value, for "epoch"


class RunIngest:
    def __init__(self, run: dict, run_dir: Path, captured: Path | None = None):
        self.tail = EventTail(run_dir / EVENTS_FILE)
        self.captured_tail = EventTail(captured or run_dir / CAPTURED_FILE)
        self.capture = Capture(run, run_dir, captured)
        self.params: dict[str, Any] = {}  # from the job (fertui.wandb's config), for the run's params
        self.params_changed = False
        self.started = run.get("started") or time.time()
        self.record = RunSummary()
        if self.capture.label:  # the output_scalars setting that reads this run, for `fertui show`
            self.record.extra["output_scalars"] = self.capture.label
        self.objective = run_objective(run.get("objective"), run.get("objective_hint"))  # the sweep's
        self.metric_directions = dict((run.get("config") or {}).get("job", {}).get("metrics_direction") or {})
        self._directions: dict[str, Direction] = {}  # per metric, until the objective changes
        self.first_epoch: float | None = None  # the first epoch the job logged: when it is done
        self.nan_seen = False
        self.oom_seen = False
        self.bad_lines_reported = 0

    def read(self, final: bool = False) -> tuple[list[Happening], bool]:
        """Process new events; (what happened, whether the summary changed). FINAL: the job has
        ended, so its last line counts even without a newline and nothing of its output may be
        held back any longer."""
        self.capture.read(final, self.objective_name())
        events = self.tail.read(final=final)
        if not self.capture.job_reports and any(event_kind(e) is EventKind.LOG for e in events):
            self.capture.job_reports = True
        events += self.captured_tail.read()
        happenings: list[Happening] = []
        for event in events:
            happenings += self._apply(event)
        if events:
            self._update_eta()
            self.record.updated = time.time()
        return happenings, bool(events)

    def read_to_end(self) -> Iterator[tuple[list[Happening], bool]]:
        """``read(final=True)`` until no file has anything more, for a job that has ended; one
        read's worth of each file at a time, so memory stays bounded however far behind it was."""
        self.capture.scan_now()  # files created since the last look, e.g. in the job's last moments
        for _ in range(MAX_FINAL_READS):
            before = self.position()
            yield self.read(final=True)
            if self.position() == before:
                return

    def position(self) -> tuple:
        """How far every file has been read."""
        return self.tail.offset, self.captured_tail.offset, self.capture.position()

    @property
    def summary(self) -> dict[str, Any]:
        """The summary as the store keeps it (a copy: change it through ``record``)."""
        return self.record.to_dict()

    def new_bad_lines(self) -> int:
        total = self.bad_lines
        fresh = total - self.bad_lines_reported
        self.bad_lines_reported = total
        return fresh

    @property
    def bad_lines(self) -> int:
        return self.tail.bad_lines + self.captured_tail.bad_lines

    def _apply(self, event: dict[str, Any]) -> list[Happening]:
        s, kind = self.record, event_kind(event)
        if kind is EventKind.START:
            for key in ("epochs", "steps_per_epoch", "objective", "direction"):
                if event.get(key) is not None:
                    setattr(s, key, event[key])
            for key in ("resumed_epoch", "resumed_step"):  # where a resumed attempt picked up
                if event.get(key):
                    s.extra[key] = event[key]
            self._directions.clear()
            return []
        if kind is EventKind.NAN:
            self.nan_seen = True
            if s.nan_step is None:  # the first non-finite step is the one that matters
                s.nan_step = event.get("step")
            return [Happening("nan", event)]
        if kind is EventKind.OOM:
            self.oom_seen = True
            return [Happening("oom", event)]
        if kind is EventKind.BENCH_ROW:  # the manager, not the job, writes the store's benchmark rows
            return [Happening("bench_row", event)]
        if kind is EventKind.SUMMARY and isinstance(event.get("values"), dict):
            s.values = {**(s.values or {}), **event["values"]}
            return []
        if kind is EventKind.PARAMS and isinstance(event.get("values"), dict):
            self.params.update(event["values"])
            self.params_changed = True
            return []
        if kind is EventKind.CAPTURE and isinstance(event.get("output_scalars"), str):
            s.extra["output_scalars"] = f"{event['output_scalars']} (chosen by auto)"
            return []
        if kind is EventKind.WANDB:
            s.extra["wandb"] = {k: event.get(k) for k in ("project", "name", "tags", "notes") if event.get(k)}
            return []
        if kind is not EventKind.LOG or not isinstance(event.get("metrics"), dict):
            return []
        if isinstance(event.get("step"), (int, float)):
            s.step = event["step"]
        for metric, value in event["metrics"].items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            s.record(metric, value, self.direction_of(metric))
            if metric == "perf/img_per_s":
                s.extra["img_per_s"] = value
        if event.get("epoch") is not None:
            s.epoch = event["epoch"]
            if self.first_epoch is None and _number(event["epoch"]):
                self.first_epoch = float(event["epoch"])
        value = event["metrics"].get(self.objective_name())
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return []
        # Code that logs no epoch (a TensorBoard scalar, a printed value) is pruned by its step.
        at = event["epoch"] if event.get("epoch") is not None else event.get("step")
        if not isinstance(at, (int, float)) or isinstance(at, bool) or not math.isfinite(at):
            return []
        return [Happening("epoch", {**event, "epoch": at}, float(value))]

    def judge_by_sweep(self, sweep: dict[str, Any]) -> None:
        """Take the objective and direction of SWEEP's stored spec (a run queued before runs
        carried their sweep's objective has only its name)."""
        if sweep.get("objective"):
            self.objective = Objective.of(sweep["objective"], sweep.get("direction"))
            self._directions.clear()

    def direction_of(self, metric: str) -> Direction:
        """METRIC's direction for this run: the sweep's objective, then the job's, then the rule."""
        if metric not in self._directions:
            objective = self.objective or self.record.job_objective()
            self._directions[metric] = direction_of(metric, objective, self.metric_directions)
        return self._directions[metric]

    def run_params(self, run: dict) -> dict[str, Any]:
        """RUN's params with what the job reported (wandb.config) as ``params.*``; the sweep's
        own cell values win over the job's."""
        return {**{f"params.{k}": v for k, v in self.params.items()}, **(run.get("params") or {})}

    def objective_name(self) -> str:
        """The metric reported per epoch (pruning, Optuna): the sweep's objective, else the job's."""
        return self.objective.metric if self.objective else self.record.objective or DEFAULT_OBJECTIVE

    def reported_objective(self) -> bool:
        name = self.objective_name()
        return name in self.record.last or name in (self.record.values or {})

    def missing_objective(self, alert_after_s: float) -> MissingObjective | None:
        """Whether the running job is overdue with its objective (see objective_watch)."""
        s = self.summary
        epoch = s.get("epoch")
        return missing_objective(
            self.objective_name(),
            {*s["last"], *(s.get("values") or {})},
            first_epoch=self.first_epoch,
            latest_epoch=epoch if _number(epoch) else None,
            running_s=time.time() - self.started,
            alert_after_s=alert_after_s,
            asked_for=bool(s.get("objective") or self.objective),
        )

    def _update_eta(self) -> None:
        s = self.record
        elapsed = time.time() - self.started
        total_steps = (s.epochs or 0) * (s.steps_per_epoch or 0)
        if total_steps and s.step:
            done = min(s.step / total_steps, 1.0)
            start = s.extra.get("resumed_step") or 0  # a resumed attempt's clock started there, not at 0
            this_attempt = (s.step - start) / (total_steps - start) if total_steps > start else done
        elif s.epochs and s.epoch:
            done = this_attempt = min(float(s.epoch) / s.epochs, 1.0)
        else:
            return
        if done > 0:
            s.progress = round(done, 4)
        if this_attempt > 0:
            s.eta_s = round(elapsed * (1 - min(this_attempt, 1.0)) / this_attempt, 1)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
