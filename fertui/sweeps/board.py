"""Leaderboards: a pivot of two keys with mean ± std over seeds, and the isolation view.

A cell of the pivot may hold several full sweep cells (when the sweep has more axes than the
two shown); it then shows the best of them by mean, and says which values that was.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from fertui.errors import UserError
from fertui.provenance.record import fingerprint
from fertui.sweeps.results import Observation, require_key, require_metric, require_runs, settled
from fertui.sweeps.spec import SweepSpec, require_spec
from fertui.workspace import Workspace


@dataclass
class CellStats:
    values: list[float] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)  # seeds[i] gave values[i]
    states: Counter = field(default_factory=Counter)
    pruned_epochs: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # the full sweep cell these runs share
    run_ids: list[str] = field(default_factory=list)
    best: bool = False
    code_states: set[str] = field(default_factory=set)  # code fingerprints of its runs (provenance)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def std(self) -> float | None:
        return statistics.stdev(self.values) if len(self.values) >= 2 else None


@dataclass
class Board:
    sweep: str
    metric: str
    maximize: bool
    rows_key: str
    cols_key: str | None
    row_values: list
    col_values: list
    cells: dict[tuple, CellStats]
    best: tuple | None
    dataset: str = ""

    def cell(self, row: Any, col: Any = None) -> CellStats | None:
        return self.cells.get((row, col))


@dataclass
class IsolationRow:
    value: Any
    stats: CellStats | None
    tried: int  # full cells tried for this value
    best: bool = False


@dataclass
class Isolation:
    sweep: str
    metric: str
    maximize: bool
    key: str
    nuisance: list[str]
    rows: list[IsolationRow]


def _better(maximize: bool, a: float, b: float | None) -> bool:
    return b is None or (a > b if maximize else a < b)


def group_cells(spec: SweepSpec, observations: list[Observation], keys: list[str]) -> dict[tuple, CellStats]:
    """Runs grouped by their full cell (all axes plus KEYS), seeds pooled."""
    groups: dict[tuple, CellStats] = defaultdict(CellStats)
    for o in observations:
        params = {**o.cell, **{k: _value(o, k) for k in keys if k not in o.cell}}
        key = tuple(sorted((k, hashable(v)) for k, v in params.items()))
        stats = groups[key]
        stats.params = params
        # A pruned run that had finished every epoch has a value: it counts as finished.
        stats.states["done" if o.value is not None else o.status] += 1
        stats.run_ids.append(o.run_id)
        stats.code_states |= o.code_states or ({fingerprint(o.run)} if fingerprint(o.run) else set())
        if o.value is not None:
            stats.values.append(o.value)
            stats.seeds.append(o.seed)
        if o.status == "pruned" and o.pruned_epoch is not None:
            stats.pruned_epochs.append(o.pruned_epoch)
    return dict(groups)


def _value(o: Observation, key: str) -> Any:
    from fertui.sweeps.results import lookup

    return lookup(o.run, key)


def hashable(value: Any) -> Any:
    """VALUE as a dict key (a list-valued axis, e.g. a milestone list, becomes a tuple)."""
    return tuple(value) if isinstance(value, list) else value


def pick_best(maximize: bool, candidates: list[CellStats]) -> CellStats:
    """The candidate with the best mean; without any finished one, the one with most runs."""
    finished = [c for c in candidates if c.mean is not None]
    if finished:
        return (max if maximize else min)(finished, key=lambda c: c.mean)
    return max(candidates, key=lambda c: sum(c.states.values()))


def _default_keys(spec: SweepSpec, rows: str | None, cols: str | None) -> tuple[str, str | None]:
    axes = [a.key for a in spec.axes]
    if rows is None:
        rows = "model.depth" if "model.depth" in axes and cols != "model.depth" else next(
            (k for k in axes if k != cols and k != "optim.lr"), axes[0])
    if cols is None:
        cols = "optim.lr" if "optim.lr" in axes and rows != "optim.lr" else next((k for k in axes if k != rows), None)
    if rows == cols:
        raise UserError(f"--rows and --cols are both {rows}; pick two different keys")
    return rows, cols


def axis_values(spec: SweepSpec, key: str, seen: list) -> list:
    """The values of KEY found in SEEN, in board order: the axis' own first (sorted when ordered),
    then values the axis does not list (a pinned or hand-edited run), sorted where they can be."""
    axis = spec.axis(key)
    values = list(axis.sorted_values()) if axis else []
    extra = []
    for v in seen:  # SEEN has one entry per board cell: a value once per row/column
        if v not in values and v not in extra:
            extra.append(v)
    try:
        extra.sort()
    except TypeError:
        pass
    return [v for v in values if v in seen] + extra


def pivot(ws: Workspace, sweep: str, rows: str | None = None, cols: str | None = None,
          metric: str | None = None) -> Board:
    spec = require_spec(ws, sweep)
    observations = require_runs(ws, spec, metric)
    for flag, key in (("--rows", rows), ("--cols", cols)):
        if key is not None:
            require_key(spec, observations, key, flag)
    rows, cols = _default_keys(spec, rows, cols)
    metric = metric or spec.objective
    require_metric(spec, observations, metric)
    maximize = spec.maximize if metric == spec.objective else "loss" not in metric
    groups = group_cells(spec, settled(spec, observations, maximize), [k for k in (rows, cols) if k])
    by_position: dict[tuple, list[CellStats]] = defaultdict(list)
    for stats in groups.values():
        by_position[(hashable(stats.params.get(rows)), hashable(stats.params.get(cols)) if cols else None)].append(stats)
    cells = {pos: pick_best(maximize, cands) for pos, cands in by_position.items()}
    best = None
    for pos, stats in cells.items():
        if stats.mean is not None and _better(maximize, stats.mean, cells[best].mean if best else None):
            best = pos
    if best is not None:
        cells[best].best = True
    row_values = axis_values(spec, rows, [p[0] for p in cells])
    col_values = axis_values(spec, cols, [p[1] for p in cells]) if cols else [None]
    return Board(sweep=spec.name, metric=metric, maximize=maximize, rows_key=rows, cols_key=cols,
                 row_values=row_values, col_values=col_values, cells=cells, best=best, dataset=spec.dataset)


def isolation(ws: Workspace, sweep: str, key: str | None = None, metric: str | None = None) -> Isolation:
    """For each value of the scientific KEY, the best result over the nuisance axes."""
    spec = require_spec(ws, sweep)
    axes = [a.key for a in spec.axes]
    observations = require_runs(ws, spec, metric)
    if key is None:
        scientific = [k for k in axes if spec.role(k) == "scientific"]
        key = scientific[0] if scientific else axes[0]
    else:
        require_key(spec, observations, key, "--rows")  # `board --isolate --rows KEY`
    metric = metric or spec.objective
    require_metric(spec, observations, metric)
    maximize = spec.maximize if metric == spec.objective else "loss" not in metric
    groups = group_cells(spec, settled(spec, observations, maximize), [key])
    by_value: dict[Any, list[CellStats]] = defaultdict(list)
    for stats in groups.values():
        by_value[hashable(stats.params.get(key))].append(stats)
    rows = [IsolationRow(value=v, stats=pick_best(maximize, by_value[v]), tried=len(by_value[v]))
            for v in axis_values(spec, key, list(by_value))]
    finished = [r for r in rows if r.stats.mean is not None]
    if finished:
        (max if maximize else min)(finished, key=lambda r: r.stats.mean).best = True
    nuisance = [k for k in axes if k != key and spec.role(k) != "fixed"]
    return Isolation(sweep=spec.name, metric=metric, maximize=maximize, key=key, nuisance=nuisance, rows=rows)
