"""Typed records of a run: the store's run document, its summary, and the kinds of event.

The one owner of what these records hold. The store keeps plain JSON (TinyDB documents); every
reader that needs more than a field or two turns a document into a record here with
``from_dict`` and back with ``to_dict``. Unknown keys ride along in ``extra``, so a record
read and written again loses nothing (a newer or an older fertui may have put them there).
Stdlib only: the job side (fertui.report) imports :class:`EventKind` too.

What each number means is decided elsewhere, once: a metric's direction and the default
objective in :mod:`fertui.metrics`, which runs make a sweep cell and its value in
:mod:`fertui.sweeps.cells`.

Design
------
- A run's objective travels with it, explicitly: a sweep run's document carries
  ``objective = {"metric", "direction"}`` from its sweep (:meth:`RunRecord.objective`); a run
  outside a sweep takes the objective its job declares in its ``start`` event, if any.
- ``RunSummary.best`` holds, for every metric, the best finite value in that metric's
  direction (:func:`fertui.metrics.direction_of` with the run's objective and its
  ``[job] metrics_direction`` overrides): ingest records it, and every view reads it.
- Seam: the scheduler still hands ``summary`` dicts to the store (``RunIngest.summary``);
  code that mutates a summary goes through the record (``RunIngest.record``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from fertui.metrics import (
    DEFAULT_OBJECTIVE,
    Direction,
    Objective,
    direction_of,
    is_better,
)


class EventKind(StrEnum):
    """The ``type`` of an event in ``events.jsonl`` / ``captured.jsonl``."""

    START = "start"  # the job's plan: epochs, steps_per_epoch, objective, direction
    LOG = "log"  # metrics at a step (and epoch)
    NAN = "nan"  # a non-finite loss
    OOM = "oom"  # out of memory
    SUMMARY = "summary"  # final values (a W&B summary)
    PARAMS = "params"  # the job's own config (wandb.config)
    WANDB = "wandb"  # project, name, tags, notes
    ARTIFACT = "artifact"  # a file the job kept
    ALERT = "alert"  # the job asked for an alert
    BENCH_ROW = "bench_row"  # one row of a benchmark table
    CAPTURE = "capture"  # which output_scalars setting `auto` chose
    CHECKPOINT = "checkpoint"  # a file now holds the state at a step (a resume carries on from it)


def event_kind(event: dict[str, Any]) -> EventKind | None:
    """EVENT's kind, None for a type this fertui does not know (skipped, not an error)."""
    try:
        return EventKind(event.get("type"))
    except ValueError:
        return None


def finite_number(value: Any) -> float | None:
    """VALUE as a float when it is a finite number (bools are not numbers here), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass
class RunSummary:
    """What ingest made of a run's events: last and best value of each metric, and progress."""

    last: dict[str, Any] = field(default_factory=dict)
    best: dict[str, Any] = field(default_factory=dict)  # per metric, best in its direction
    objective: str | None = None  # the metric the job or its sweep is judged by
    direction: str | None = None  # that metric's direction, when someone said so
    values: dict[str, Any] | None = None  # final values (a summary event)
    epochs: Any = None
    steps_per_epoch: Any = None
    epoch: Any = None
    step: Any = None
    nan_step: Any = None
    progress: float | None = None
    eta_s: float | None = None
    updated: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, doc: dict[str, Any] | None) -> RunSummary:
        doc = dict(doc or {})
        summary = cls(**{k: doc.pop(k) for k in list(doc) if k in _SUMMARY_FIELDS})
        summary.last = dict(summary.last or {})
        summary.best = dict(summary.best or {})
        summary.extra = doc
        return summary

    def to_dict(self) -> dict[str, Any]:
        """The store's shape: ``last`` and ``best`` always, other fields only when set."""
        out: dict[str, Any] = {"last": dict(self.last), "best": dict(self.best)}
        for name in _SUMMARY_ORDER:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out

    def merge(self, doc: dict[str, Any]) -> None:
        """Take DOC's fields over these (a stop request's or the store's summary)."""
        merged = RunSummary.from_dict({**self.to_dict(), **doc})
        self.__dict__.update(merged.__dict__)

    def job_objective(self) -> Objective | None:
        """The objective the job declared in its start event, if it did."""
        if not isinstance(self.objective, str) or not self.objective:
            return None
        try:
            return Objective.of(self.objective, self.direction)
        except ValueError:  # a job's own word for it ("up"): the name rule decides instead
            return Objective.of(self.objective)

    def record(self, metric: str, value: Any, direction: Direction) -> None:
        """A logged VALUE of METRIC: it is the last, and the best when better in DIRECTION."""
        self.last[metric] = value
        number = finite_number(value)
        if number is not None and is_better(number, finite_number(self.best.get(metric)), direction):
            self.best[metric] = value


_SUMMARY_ORDER = tuple(f.name for f in fields(RunSummary) if f.name not in ("last", "best", "extra"))
_SUMMARY_FIELDS = frozenset(("last", "best", *_SUMMARY_ORDER))


@dataclass
class RunRecord:
    """A run's store document, with the fields the readers need typed; the rest in ``extra``."""

    id: str = ""
    name: str = ""
    status: str = ""
    kind: str = ""
    sweep: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # the sweep cell, seed included
    config: dict[str, Any] = field(default_factory=dict)  # the resolved config tree
    summary: RunSummary = field(default_factory=RunSummary)
    objective_doc: dict[str, Any] | None = None  # {"metric", "direction"} of its sweep
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RunRecord:
        rest = dict(doc)
        record = cls(
            id=str(rest.pop("id", "")),
            name=str(rest.pop("name", "") or ""),
            status=str(rest.pop("status", "") or ""),
            kind=str(rest.pop("kind", "") or ""),
            sweep=rest.pop("sweep", None),
            params=dict(rest.pop("params", None) or {}),
            config=dict(rest.pop("config", None) or {}),
            summary=RunSummary.from_dict(rest.pop("summary", None)),
            objective_doc=rest.pop("objective", None),
        )
        record.extra = rest
        return record

    def to_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "kind": self.kind,
            "sweep": self.sweep,
            "params": dict(self.params),
            "config": self.config,
            "summary": self.summary.to_dict(),
            **self.extra,
        }
        if self.objective_doc is not None:
            out["objective"] = dict(self.objective_doc)
        return out

    def objective(self) -> Objective | None:
        """The run's objective: its sweep's (carried on the run), else the one its job declared."""
        return run_objective(self.objective_doc, self.extra.get("objective_hint")) or self.summary.job_objective()

    def metric_directions(self) -> dict[str, str]:
        """``[job] metrics_direction``: per-metric overrides of the name rule."""
        return dict((self.config.get("job") or {}).get("metrics_direction") or {})

    def direction_of(self, metric: str) -> Direction:
        return direction_of(metric, self.objective(), self.metric_directions())

    def best_entry(self) -> tuple[str, Any] | None:
        """(metric, best value) to show: the objective's, else the default objective's, else the
        first metric reported (a command job outside a sweep has none); None before any value."""
        objective = self.objective()
        best = self.summary.best
        if objective is not None:
            metric = objective.metric
        else:
            metric = DEFAULT_OBJECTIVE if DEFAULT_OBJECTIVE in best else next(iter(best), None)
        if metric not in best:  # e.g. a run that went NaN before its first validation
            return None
        return metric, best[metric]


def run_objective(doc: dict[str, Any] | None, hint: str | None = None) -> Objective | None:
    """An Objective from a run document's ``objective`` field (or an older ``objective_hint``)."""
    if isinstance(doc, dict) and doc.get("metric"):
        return Objective.of(doc["metric"], doc.get("direction"))
    return Objective.of(hint) if hint else None


def objective_doc(objective: Objective) -> dict[str, str]:
    """How a run document carries its sweep's objective."""
    return {"metric": objective.metric, "direction": objective.direction.value}
