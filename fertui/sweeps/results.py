"""A sweep's runs as the analysis sees them: cell values, seed, state and objective value."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from fertui.config import flatten_free
from fertui.errors import UserError
from fertui.events import read_run_events
from fertui.provenance.record import fingerprint
from fertui.store import Store
from fertui.sweeps.spec import SweepSpec, cell_of
from fertui.workspace import Workspace

UNTRIED_STATES = ("cancelled",)  # a cancelled cell may be suggested again


@dataclass
class Observation:
    run_id: str
    name: str
    status: str
    cell: dict[str, Any]
    seed: int
    value: float | None  # the metric, for finished runs that reported a finite value
    pruned_epoch: int | None = None
    run: dict = field(default_factory=dict, repr=False)
    # Code fingerprints of every attempt at this (cell, seed) that settled() chose among (provenance).
    code_states: frozenset[str] = frozenset()


def flat_config(run: dict) -> dict[str, Any]:
    return flatten_free(run.get("config") or {})


def lookup(run: dict, key: str) -> Any:
    """KEY's value in RUN: its sweep cell first, then its resolved config."""
    params = run.get("params") or {}
    if key in params:
        return params[key]
    return flat_config(run).get(key)


def metric_value(ws: Workspace, run: dict, metric: str, maximize: bool) -> float | None:
    """The run's best METRIC in the sweep's direction, or None when it has none."""
    summary = run.get("summary") or {}
    # The scheduler's summary keeps the min for "*loss*" names and the max otherwise.
    if maximize != ("loss" in metric):
        value = (summary.get("best") or {}).get(metric)
        if value is None and "values" in summary:
            value = summary["values"].get(metric)
    else:
        seen = [e["metrics"][metric] for e in read_run_events(ws.run_dir(run["id"]))
                if e.get("type") == "log" and isinstance(e.get("metrics"), dict)
                and isinstance(e["metrics"].get(metric), (int, float))]
        finite = [v for v in seen if math.isfinite(v)]
        value = (max if maximize else min)(finite) if finite else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def sweep_runs(ws: Workspace, name: str) -> list[dict]:
    return Store(ws.store_path).sweep_runs(name)


def finished_all_epochs(run: dict) -> bool:
    """Whether RUN reported its last epoch: a prune that arrived after it changes nothing."""
    summary = run.get("summary") or {}
    epochs, epoch = summary.get("epochs"), summary.get("epoch")
    return isinstance(epochs, (int, float)) and isinstance(epoch, (int, float)) and epochs > 0 and epoch >= epochs


def observe(ws: Workspace, spec: SweepSpec, run: dict, metric: str | None = None) -> Observation:
    metric = metric or spec.objective
    maximize = spec.maximize if metric == spec.objective else "loss" not in metric
    counts = run["status"] == "done" or (run["status"] == "pruned" and finished_all_epochs(run))
    value = metric_value(ws, run, metric, maximize) if counts else None
    summary = run.get("summary") or {}
    return Observation(run_id=run["id"], name=run.get("name", ""), status=run["status"],
                       cell={a.key: lookup(run, a.key) for a in spec.axes},
                       seed=int(lookup(run, "run.seed") or 0), value=value,
                       pruned_epoch=summary.get("pruned_epoch"), run=run)


def sweep_observations(ws: Workspace, spec: SweepSpec, metric: str | None = None
                       ) -> tuple[list[Observation], Counter]:
    """Every run of the sweep observed, and how many runs each tried cell has."""
    observations = [observe(ws, spec, r, metric) for r in sweep_runs(ws, spec.name)]
    taken = Counter(cell_of(spec, o.cell) for o in observations if o.status not in UNTRIED_STATES)
    return observations, taken


def settled(spec: SweepSpec, observations: list[Observation], maximize: bool) -> list[Observation]:
    """One observation per (cell, seed): its best finished run, else its latest attempt.

    A retry that was cancelled or failed after the cell had finished does not replace the
    finished run, and two finished attempts of one seed count once, not as two replicates.
    """
    by_slot: dict[tuple, list[Observation]] = {}
    for o in observations:
        by_slot.setdefault((cell_of(spec, o.cell), o.seed), []).append(o)
    out = []
    for attempts in by_slot.values():
        finished = [o for o in attempts if o.value is not None]
        if finished:
            chosen = (max if maximize else min)(finished, key=lambda o: o.value)
        else:
            chosen = max(attempts, key=lambda o: (len(o.run_id), o.run_id))  # ids grow with time
        states = frozenset(filter(None, (fingerprint(o.run) for o in attempts)))
        out.append(replace(chosen, code_states=states) if len(states) > 1 else chosen)  # marked, not hidden
    return out


def reported_metrics(observations: list[Observation]) -> set[str]:
    """Every metric name any of these runs reported (best, last or final values)."""
    names: set[str] = set()
    for o in observations:
        summary = o.run.get("summary") or {}
        for part in ("best", "last", "values"):
            names |= set(summary.get(part) or {})
    return names


def require_key(spec: SweepSpec, observations: list[Observation], key: str, flag: str) -> None:
    """KEY must be an axis of the sweep or a config key its runs have; else a one-line error."""
    from fertui.config.loader import suggest

    axes = [a.key for a in spec.axes]
    if key in axes or any(lookup(o.run, key) is not None for o in observations):
        return
    raise UserError(f"{flag} {key}: names no axis of sweep '{spec.name}'{suggest(key, axes)}; "
                    f"its axes: {', '.join(axes)}")


def require_metric(spec: SweepSpec, observations: list[Observation], metric: str) -> None:
    """METRIC must be the objective or reported by some run of the sweep; else a one-line error."""
    from fertui.config.loader import suggest

    known = sorted(reported_metrics(observations) | {spec.objective})
    if metric in known:
        return
    raise UserError(f"--metric {metric}: no run of sweep '{spec.name}' reported it{suggest(metric, known)}; "
                    f"reported: {', '.join(known)}")


def require_runs(ws: Workspace, spec: SweepSpec, metric: str | None = None) -> list[Observation]:
    observations, _ = sweep_observations(ws, spec, metric)
    if not observations:
        raise UserError(f"sweep '{spec.name}' has no runs yet")
    return observations
