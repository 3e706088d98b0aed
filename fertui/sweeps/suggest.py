"""``fertui suggest``: what to run next in a sweep, each with a one-line reason.

Three kinds: "extend" when the best cell sits on the edge of an ordered axis (one grid step
beyond it, a log step for log axes; the notes moved the LR range by hand twice), "explore"
(untried grid cells ranked by Optuna over ordered axes, see ranking.py; "start" before there
is anything to model) and "refine" (a finer log grid around the best LR). A cell that is
queued, running or already ran (in any end state but cancelled) is never suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fertui.config import compact
from fertui.config.loader import check_value
from fertui.config.schema import field_for
from fertui.errors import ConfigError, UserError
from fertui.sweeps import cells
from fertui.sweeps.axes import log_midpoint, step_beyond
from fertui.sweeps.ranking import describe, propose_cells
from fertui.sweeps.results import Observation, sweep_observations
from fertui.sweeps.spec import SweepSpec, cell_of, has_value, require_spec
from fertui.workspace import Workspace


@dataclass
class Suggestion:
    params: dict[str, Any]
    reason: str
    kind: str  # extend | explore | start | random | refine


def best_cell(spec: SweepSpec, observations: list[Observation]) -> tuple[dict, float] | None:
    """The finished cell with the best mean over its seeds (:func:`fertui.sweeps.cells.best_cell`)."""
    found = cells.best_cell(observations, spec.metric_direction(None)[1])
    return (found.params, found.mean) if found is not None else None


def _valid(key: str, value: Any) -> bool:
    spec = field_for(key)
    if spec is None:
        return True
    try:
        check_value("suggest", key, spec, value)
    except ConfigError:
        return False
    return True


def extensions(spec: SweepSpec, best: dict, best_value: float, taken: set) -> list[Suggestion]:
    out = []
    for axis in spec.axes:
        if not axis.ordered or len(axis.values) < 2 or spec.role(axis.key) == "fixed":
            continue
        ordered, value = axis.sorted_values(), best[axis.key]
        for direction, end, word in ((-1, ordered[0], "lowest"), (1, ordered[-1], "highest")):
            if value != end:
                continue
            new = step_beyond(axis, value, direction)
            cell = {**best, axis.key: new}
            if new is None or not _valid(axis.key, new) or cell_of(spec, cell) in taken:
                continue
            step = "a log step" if axis.log else "one step"
            out.append(
                Suggestion(
                    cell,
                    f"best {best_value:.4g} is at the {word} {axis.key} ({compact(value)}): "
                    f"extend the axis {step} {'down' if direction < 0 else 'up'} to {compact(new)}",
                    "extend",
                )
            )
    return out


def refinements(spec: SweepSpec, best: dict, best_value: float, taken: set) -> list[Suggestion]:
    axis = (
        spec.axis("optim.lr")
        if spec.axis("optim.lr") and spec.axis("optim.lr").log
        else next((a for a in spec.axes if a.log), None)
    )
    if axis is None or len(axis.values) < 2:
        return []
    ordered, value = axis.sorted_values(), best[axis.key]
    if value not in ordered:
        return []
    i = ordered.index(value)
    out = []
    for j in (i - 1, i + 1):
        if 0 <= j < len(ordered):
            mid = log_midpoint(value, ordered[j])
            cell = {**best, axis.key: mid}
            if has_value(axis, mid) or cell_of(spec, cell) in taken:
                continue
            out.append(
                Suggestion(
                    cell,
                    f"refine the log grid around the best {axis.key} {compact(value)}: "
                    f"halfway (log scale) to {compact(ordered[j])}",
                    "refine",
                )
            )
    return out


def suggest(ws: Workspace, sweep: str, k: int = 5) -> list[Suggestion]:
    """Up to K suggestions: edge extensions first, then model picks, then refinements."""
    if k < 1:
        raise UserError(f"-n must be at least 1, got {k}")
    spec = require_spec(ws, sweep)
    from fertui.sweeps.study import sync

    sync(ws, spec)  # a suggestion must know every finished run
    observations, taken_counts = sweep_observations(ws, spec)
    taken = set(taken_counts)
    found = best_cell(spec, observations)
    extend, refine = [], []
    if found is not None:
        extend = extensions(spec, *found, taken)
        refine = refinements(spec, *found, taken)
    explore = [
        Suggestion(p.cell, p.reason, p.kind)
        for p in propose_cells(spec, observations, taken, k, sampler="gp", seed=len(observations))
    ]
    ordered = extend + explore[:1] + refine + explore[1:]
    out, seen = [], set()
    for s in ordered:
        key = cell_of(spec, s.params)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out[:k]


def enqueue_suggestions(ws: Workspace, sweep: str, suggestions: list[Suggestion]) -> list[str]:
    """Queue SUGGESTIONS as runs of SWEEP (one per seed), widening its axes where they go beyond."""
    from fertui.plan import enqueue
    from fertui.sweeps.expand import cell_docs

    spec = require_spec(ws, sweep)
    _, taken = sweep_observations(ws, spec)
    cells, seen = [], set(taken)
    for s in suggestions:
        for key, value in s.params.items():
            if spec.axis(key) is None:
                raise UserError(f"suggestion names {key}, which is no axis of sweep '{sweep}'")
            spec = spec.with_value(key, value)
        key = cell_of(spec, s.params)
        if key not in seen:
            seen.add(key)
            cells.append(s.params)
    if not cells:
        raise UserError(f"every suggested cell of '{sweep}' is already queued or tried")
    return enqueue(ws, cell_docs(spec, cells))


def suggestion_line(s: Suggestion) -> str:
    return f"{s.kind:8} {describe(s.params):40} {s.reason}"
