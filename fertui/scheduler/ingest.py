"""Turning a running job's events into the run's ``summary`` (scheduler side).

One RunIngest per running job first captures what the job printed or logged in files
(fertui.capture, into captured.jsonl), then tails both event files (the byte offsets live in
memory; after a restart the summary is recomputed from the start of the files). ``read()``
returns what the scheduler must act on: NaN events, OOM events and per-epoch objective values.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fertui.capture.sources import Capture
from fertui.events import CAPTURED_FILE, EVENTS_FILE, EventTail


@dataclass
class Happening:
    kind: str                 # "nan" | "oom" | "epoch" | "bench_row"
    event: dict[str, Any]
    value: float | None = None  # the objective's value, for "epoch"


def better(metric: str, new: float, old: float | None) -> bool:
    """Lower is better for names containing "loss", higher for everything else."""
    if old is None:
        return True
    return new < old if "loss" in metric else new > old


class RunIngest:
    def __init__(self, run: dict, run_dir: Path):
        self.tail = EventTail(run_dir / EVENTS_FILE)
        self.captured_tail = EventTail(run_dir / CAPTURED_FILE)
        self.capture = Capture(run, run_dir)
        self.params: dict[str, Any] = {}   # from the job (fertui.wandb's config), for the run's params
        self.params_changed = False
        self.started = run.get("started") or time.time()
        self.summary: dict[str, Any] = {"last": {}, "best": {}}
        self.objective = run.get("objective_hint")
        self.nan_seen = False
        self.oom_seen = False
        self.bad_lines_reported = 0

    def read(self) -> tuple[list[Happening], bool]:
        """Process new events; (what happened, whether the summary changed)."""
        self.capture.read()
        events = self.tail.read()
        if not self.capture.job_reports and any(e.get("type") == "log" for e in events):
            self.capture.job_reports = True
        events += self.captured_tail.read()
        happenings: list[Happening] = []
        for event in events:
            happenings += self._apply(event)
        if events:
            self._update_eta()
            self.summary["updated"] = time.time()
        return happenings, bool(events)

    def new_bad_lines(self) -> int:
        total = self.bad_lines
        fresh = total - self.bad_lines_reported
        self.bad_lines_reported = total
        return fresh

    @property
    def bad_lines(self) -> int:
        return self.tail.bad_lines + self.captured_tail.bad_lines

    def _apply(self, event: dict[str, Any]) -> list[Happening]:
        s, kind = self.summary, event.get("type")
        if kind == "start":
            for key in ("epochs", "steps_per_epoch", "objective"):
                if event.get(key) is not None:
                    s[key] = event[key]
            return []
        if kind == "nan":
            self.nan_seen = True
            s.setdefault("nan_step", event.get("step"))  # the first non-finite step is the one that matters
            return [Happening("nan", event)]
        if kind == "oom":
            self.oom_seen = True
            return [Happening("oom", event)]
        if kind == "bench_row":  # the manager, not the job, writes the store's benchmark rows
            return [Happening("bench_row", event)]
        if kind == "summary" and isinstance(event.get("values"), dict):
            s.setdefault("values", {}).update(event["values"])
            return []
        if kind == "params" and isinstance(event.get("values"), dict):
            self.params.update(event["values"])
            self.params_changed = True
            return []
        if kind == "wandb":
            s["wandb"] = {k: event.get(k) for k in ("project", "name", "tags", "notes") if event.get(k)}
            return []
        if kind != "log" or not isinstance(event.get("metrics"), dict):
            return []
        if isinstance(event.get("step"), (int, float)):
            s["step"] = event["step"]
        for metric, value in event["metrics"].items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            s["last"][metric] = value
            if math.isfinite(value) and better(metric, value, s["best"].get(metric)):
                s["best"][metric] = value
            if metric == "perf/img_per_s":
                s["img_per_s"] = value
        if event.get("epoch") is not None:
            s["epoch"] = event["epoch"]
        value = event["metrics"].get(self.objective_name())
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return []
        # Code that logs no epoch (a TensorBoard scalar, a printed value) is pruned by its step.
        at = event["epoch"] if event.get("epoch") is not None else event.get("step")
        if not isinstance(at, (int, float)) or isinstance(at, bool) or not math.isfinite(at):
            return []
        return [Happening("epoch", {**event, "epoch": at}, float(value))]

    def run_params(self, run: dict) -> dict[str, Any]:
        """RUN's params with what the job reported (wandb.config) as ``params.*``; the sweep's
        own cell values win over the job's."""
        return {**{f"params.{k}": v for k, v in self.params.items()}, **(run.get("params") or {})}

    def objective_name(self) -> str:
        return self.summary.get("objective") or self.objective or "val/acc"

    def reported_objective(self) -> bool:
        name = self.objective_name()
        return name in self.summary["last"] or name in (self.summary.get("values") or {})

    def _update_eta(self) -> None:
        s = self.summary
        elapsed = time.time() - self.started
        total_steps = (s.get("epochs") or 0) * (s.get("steps_per_epoch") or 0)
        if total_steps and s.get("step"):
            done = min(s["step"] / total_steps, 1.0)
        elif s.get("epochs") and s.get("epoch"):
            done = min(float(s["epoch"]) / s["epochs"], 1.0)
        else:
            return
        if done > 0:
            s["progress"] = round(done, 4)
            s["eta_s"] = round(elapsed * (1 - done) / done, 1)
