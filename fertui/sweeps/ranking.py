"""Which untried grid cells to run next, asked of Optuna with ordered axes.

A scratch in-memory study is seeded with the finished results, where LR is a log-scale float
and depth an integer (a categorical view would learn nothing from neighbouring cells). Each
point Optuna asks for is snapped to the nearest untried cell; for a batch, a picked cell is
told the worst value seen so far (a pessimistic "constant liar") so the next pick moves away.
The first few picks, before there is anything to model, fill the grid evenly instead.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fertui.config import compact
from fertui.metrics import rank_key
from fertui.sweeps.axes import Axis
from fertui.sweeps.cells import settled
from fertui.sweeps.spec import SweepSpec, cell_of, grid_cells

MIN_FOR_MODEL = 3  # finished results before the model takes over from the space-filling start


@dataclass
class Pick:
    cell: dict[str, Any]
    reason: str
    kind: str  # "explore" (model pick), "start" (space-filling), "random"


def describe(cell: dict[str, Any]) -> str:
    return " ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in cell.items())


class CellSpace:
    """Grid cells as points in [0, 1] per ordered axis (log axes in log10); categories apart."""

    def __init__(self, axes: list[Axis]):
        self.axes = axes
        self.bounds = {}
        for a in axes:
            if a.ordered:
                scaled = [a.scaled(v) for v in a.values]
                self.bounds[a.key] = (min(scaled), max(scaled))

    def coord(self, axis: Axis, value: Any) -> float | None:
        if not axis.ordered or axis.key not in self.bounds:
            return None
        lo, hi = self.bounds[axis.key]
        return (axis.scaled(value) - lo) / (hi - lo) if hi > lo else 0.0

    def distance(self, a: dict[str, Any], b: dict[str, Any]) -> float:
        total = 0.0
        for axis in self.axes:
            ca, cb = self.coord(axis, a[axis.key]), self.coord(axis, b[axis.key])
            total += (ca - cb) ** 2 if ca is not None and cb is not None else float(a[axis.key] != b[axis.key])
        return math.sqrt(total)


def propose_cells(
    spec: SweepSpec, observations: Iterable, taken: set, k: int, sampler: str = "gp", seed: int = 0
) -> list[Pick]:
    """Up to K untried cells, best first, from the sweep's OBSERVATIONS (fertui.sweeps.results)."""
    candidates = [c for c in grid_cells(spec) if cell_of(spec, c) not in taken]
    observations = list(observations)
    direction = spec.metric_direction(None)[1]
    # One result per seed of the sweep's own cells: a forced variant is another experiment.
    finished = [(o.cell, o.value) for o in settled(observations, direction) if o.value is not None and not o.variant]
    space = CellSpace(spec.axes)
    rng = random.Random(seed)
    tried = [
        o.cell
        for o in observations
        if getattr(o, "status", "done") != "cancelled" and all(o.cell.get(a.key) is not None for a in spec.axes)
    ]
    picks: list[Pick] = []
    lies: list[tuple[dict, float]] = []
    while candidates and len(picks) < k:
        if sampler == "random":
            cell = rng.choice(candidates)
            pick = Pick(cell, "random search: an untried cell drawn uniformly", "random")
        elif len(finished) < MIN_FOR_MODEL:
            cell, reason = _space_filling(space, candidates, tried + [p.cell for p in picks])
            pick = Pick(cell, reason, "start")
        else:
            point = _ask(spec, finished + lies, sampler, seed + len(picks))
            cell = min(candidates, key=lambda c: space.distance(c, point))
            pick = Pick(cell, _reason(spec, space, cell, finished, sampler), "explore")
        picks.append(pick)
        candidates.remove(cell)
        if finished:
            worst = max((v for _, v in finished), key=rank_key(direction))
            lies.append((cell, worst))
    return picks


def _space_filling(space: CellSpace, candidates: list[dict], tried: list[dict]) -> tuple[dict, str]:
    if not tried:
        centre = {a.key: a.sorted_values()[(len(a.values) - 1) // 2] for a in space.axes}
        cell = min(candidates, key=lambda c: space.distance(c, centre))
        return cell, "start in the middle of the grid (nothing finished yet to model)"
    cell = max(candidates, key=lambda c: min(space.distance(c, t) for t in tried))
    return cell, "space-filling start: the untried cell farthest from every cell tried so far"


def _ask(spec: SweepSpec, results: list[tuple[dict, float]], sampler: str, seed: int) -> dict[str, Any]:
    import optuna
    from optuna.trial import create_trial

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    varying = [a for a in spec.axes if len(a.values) > 1]
    dists = {a.key: a.distribution() for a in varying}
    if sampler == "tpe":
        chosen = optuna.samplers.TPESampler(seed=seed, n_startup_trials=MIN_FOR_MODEL, multivariate=True)
    else:
        chosen = optuna.samplers.GPSampler(seed=seed, n_startup_trials=MIN_FOR_MODEL)
    study = optuna.create_study(direction=spec.direction, sampler=chosen)
    for cell, value in results:
        try:
            study.add_trial(
                create_trial(params={a.key: cell[a.key] for a in varying}, distributions=dists, value=value)
            )
        except (ValueError, TypeError):
            continue  # a run outside the current axes (e.g. added by hand) says nothing here
    trial = study.ask(dists)
    fixed = {a.key: a.values[0] for a in spec.axes if len(a.values) == 1}
    return {**fixed, **trial.params}


def _reason(spec: SweepSpec, space: CellSpace, cell: dict, finished: list[tuple[dict, float]], sampler: str) -> str:
    best_cell, best_value = min(finished, key=lambda cv: rank_key(spec.metric_direction(None)[1])(cv[1]))
    model = "Gaussian process" if sampler == "gp" else "TPE"
    scales = ", ".join(
        f"{a.key.split('.')[-1]} {'log' if a.log else 'integer' if a.integer else 'linear'}"
        for a in spec.axes
        if a.ordered and len(a.values) > 1
    )
    near = _adjacent(spec, cell, best_cell)
    where = (
        f"next to the best cell so far ({describe(best_cell)}: {best_value:.4g})"
        if near
        else f"best so far {best_value:.4g} at {describe(best_cell)}"
    )
    return f"{model} pick on ordered axes ({scales}); {where}"


def _adjacent(spec: SweepSpec, a: dict, b: dict) -> bool:
    for axis in spec.axes:
        values = axis.sorted_values()
        try:
            if abs(values.index(a[axis.key]) - values.index(b[axis.key])) > 1:
                return False
        except ValueError:
            return False
    return True
