"""A sweep's runs as the analysis sees them: cell values, variant, seed, state and metric value.

A run's value is its best of the metric in the metric's direction (:mod:`fertui.metrics`,
through the run's record, :mod:`fertui.records`); how observations make a cell and a cell's
value is :mod:`fertui.sweeps.cells`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fertui.config import flatten_free
from fertui.errors import UserError
from fertui.events import read_run_events
from fertui.metrics import Direction, best_of
from fertui.records import EventKind, RunRecord, event_kind, finite_number
from fertui.store import Store
from fertui.sweeps.cells import Variant, settled, variant_of
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
    variant: Variant = ()  # non-axis keys where the run differs from its sweep's base
    cell_key: tuple = ()  # the axis cell's identity (spec.cell_of)
    # Code fingerprints of every attempt at this (cell, variant, seed) that settled() chose among (provenance).
    code_states: frozenset[str] = frozenset()


def flat_config(run: dict) -> dict[str, Any]:
    return flatten_free(run.get("config") or {})


def lookup(run: dict, key: str) -> Any:
    """KEY's value in RUN: its sweep cell first, then its resolved config."""
    params = run.get("params") or {}
    if key in params:
        return params[key]
    return flat_config(run).get(key)


def metric_value(ws: Workspace, run: dict, metric: str, direction: Direction) -> float | None:
    """The run's best METRIC in DIRECTION, or None when it has none finite."""
    record = RunRecord.from_dict(run)
    if record.direction_of(metric) is direction:  # ingest kept the best this way already
        value = record.summary.best.get(metric)
        if value is None:
            value = (record.summary.values or {}).get(metric)
        return finite_number(value)
    seen = [
        finite_number(e["metrics"][metric])
        for e in read_run_events(ws.run_dir(run["id"]))
        if event_kind(e) is EventKind.LOG and isinstance(e.get("metrics"), dict) and metric in e["metrics"]
    ]
    return best_of([v for v in seen if v is not None], direction)


def sweep_runs(ws: Workspace, name: str) -> list[dict]:
    """The sweep's runs as rows: a finished run's config is read from its document when asked."""
    return Store(ws.store_path).sweep_rows(name)


def _seed(run: dict) -> Any:
    """RUN's seed: its sweep cell's, its row's copy, else its resolved config's."""
    params = run.get("params") or {}
    if "run.seed" in params:
        return params["run.seed"]
    if run.get("config_seed") is not None:
        return run["config_seed"]
    return lookup(run, "run.seed")


def finished_all_epochs(run: dict) -> bool:
    """Whether RUN reported its last epoch: a prune that arrived after it changes nothing."""
    summary = run.get("summary") or {}
    epochs, epoch = summary.get("epochs"), summary.get("epoch")
    return isinstance(epochs, (int, float)) and isinstance(epoch, (int, float)) and epochs > 0 and epoch >= epochs


def observe(
    ws: Workspace,
    spec: SweepSpec,
    run: dict,
    metric: str | None = None,
    variant: Variant | None = None,
    direction: Direction | None = None,
) -> Observation:
    """RUN as an observation of SPEC's sweep. VARIANT: where its config differs from the sweep's
    base, and DIRECTION: METRIC's, when the caller knows them already (see sweep_observations)."""
    if direction is None:
        metric, direction = spec.metric_direction(metric)
    else:
        metric = metric or spec.objective
    counts = run["status"] == "done" or (run["status"] == "pruned" and finished_all_epochs(run))
    value = metric_value(ws, run, metric, direction) if counts else None
    summary = run.get("summary") or {}
    cell = {a.key: lookup(run, a.key) for a in spec.axes}
    return Observation(
        run_id=run["id"],
        name=run.get("name", ""),
        status=run["status"],
        cell=cell,
        seed=int(_seed(run) or 0),
        value=value,
        pruned_epoch=summary.get("pruned_epoch"),
        run=run,
        variant=variant_of(spec, flat_config(run)) if variant is None else variant,
        cell_key=cell_of(spec, cell),
    )


def sweep_observations(ws: Workspace, spec: SweepSpec, metric: str | None = None) -> tuple[list[Observation], Counter]:
    """Every run of the sweep observed, and how many runs each tried cell has."""
    variants: dict[str, Variant] = {}  # per config digest: one document read, not one per run
    metric, direction = spec.metric_direction(metric)  # once, not once per run
    observations = []
    for row in sweep_runs(ws, spec.name):
        digest = row.get("config_digest")
        if digest is not None and digest not in variants:
            variants[digest] = variant_of(spec, flat_config(row))
        observations.append(observe(ws, spec, row, metric, variants.get(digest) if digest else None, direction))
    taken = Counter(o.cell_key for o in observations if o.status not in UNTRIED_STATES)
    return observations, taken


def settled_observations(
    spec: SweepSpec, observations: list[Observation], metric: str | None = None
) -> list[Observation]:
    """One observation per (cell, variant, seed), by :func:`fertui.sweeps.cells.settled`."""
    return settled(observations, spec.metric_direction(metric)[1])


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
    raise UserError(
        f"{flag} {key}: names no axis of sweep '{spec.name}'{suggest(key, axes)}; its axes: {', '.join(axes)}"
    )


def require_metric(spec: SweepSpec, observations: list[Observation], metric: str) -> None:
    """METRIC must be the objective or reported by some run of the sweep; else a one-line error."""
    from fertui.config.loader import suggest

    known = sorted(reported_metrics(observations) | {spec.objective})
    if metric in known:
        return
    raise UserError(
        f"--metric {metric}: no run of sweep '{spec.name}' reported it{suggest(metric, known)}; "
        f"reported: {', '.join(known)}"
    )


def require_runs(ws: Workspace, spec: SweepSpec, metric: str | None = None) -> list[Observation]:
    observations, _ = sweep_observations(ws, spec, metric)
    if not observations:
        raise UserError(f"sweep '{spec.name}' has no runs yet")
    return observations
