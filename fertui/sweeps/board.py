"""Leaderboards: a pivot of two keys with mean ± std over seeds, and the isolation view.

A cell of the pivot may hold several full sweep cells (when the sweep has more axes than the
two shown); it then shows the best of them by mean, and says which values that was. Which runs
make a cell, how attempts and seeds reduce and which cell a position shows are decided in
:mod:`fertui.sweeps.cells`; a cell whose runs differ outside the axes is listed as a split.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fertui.errors import UserError
from fertui.metrics import Direction
from fertui.sweeps.cells import CellSplit, CellStats, best_position, hashable, own_cells, pick_best, splits, sweep_cells
from fertui.sweeps.results import require_key, require_metric, require_runs
from fertui.sweeps.spec import SweepSpec, require_spec
from fertui.workspace import Workspace

__all__ = ["Board", "CellStats", "Isolation", "IsolationRow", "axis_values", "hashable", "isolation", "pivot"]


@dataclass
class Board:
    sweep: str
    metric: str
    direction: Direction
    rows_key: str
    cols_key: str | None
    row_values: list
    col_values: list
    cells: dict[tuple, CellStats]
    best: tuple | None
    dataset: str = ""
    splits: list[CellSplit] = field(default_factory=list)
    # Runs that ended done, and those of them that reported the metric: with none reported, the
    # board says so instead of "no finished run yet" (a command job logging another name).
    finished: int = 0
    reported: int = 0

    @property
    def maximize(self) -> bool:
        return self.direction.maximize

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
    direction: Direction
    key: str
    nuisance: list[str]
    rows: list[IsolationRow]
    dataset: str = ""
    splits: list[CellSplit] = field(default_factory=list)
    cells: list[CellStats] = field(default_factory=list)  # every full cell, not only each row's best

    @property
    def maximize(self) -> bool:
        return self.direction.maximize


def _default_keys(spec: SweepSpec, rows: str | None, cols: str | None) -> tuple[str, str | None]:
    axes = [a.key for a in spec.axes]
    if rows is None:
        rows = (
            "model.depth"
            if "model.depth" in axes and cols != "model.depth"
            else next((k for k in axes if k != cols and k != "optim.lr"), axes[0])
        )
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


def pivot(
    ws: Workspace, sweep: str, rows: str | None = None, cols: str | None = None, metric: str | None = None
) -> Board:
    spec = require_spec(ws, sweep)
    observations = require_runs(ws, spec, metric)
    for flag, key in (("--rows", rows), ("--cols", cols)):
        if key is not None:
            require_key(spec, observations, key, flag)
    rows, cols = _default_keys(spec, rows, cols)
    metric, direction = spec.metric_direction(metric)
    require_metric(spec, observations, metric)
    groups = sweep_cells(observations, [k for k in (rows, cols) if k], direction)
    by_position: dict[tuple, list[CellStats]] = defaultdict(list)
    for stats in groups.values():
        by_position[board_position(stats, rows, cols)].append(stats)
    cells = {pos: pick_best(direction, cands) for pos, cands in by_position.items()}
    best = best_position(direction, cells)
    if best is not None:
        cells[best].best = True
    row_values = axis_values(spec, rows, [p[0] for p in cells])
    col_values = axis_values(spec, cols, [p[1] for p in cells]) if cols else [None]
    return Board(
        sweep=spec.name,
        metric=metric,
        direction=direction,
        rows_key=rows,
        cols_key=cols,
        row_values=row_values,
        col_values=col_values,
        cells=cells,
        best=best,
        dataset=spec.dataset,
        splits=splits(spec, groups),
        finished=sum(o.status == "done" for o in observations),
        reported=sum(o.value is not None for o in observations),
    )


def board_position(stats: CellStats, rows: str, cols: str | None) -> tuple:
    """Where a cell sits on a pivot board: (its ROWS value, its COLS value or None)."""
    return hashable(stats.params.get(rows)), hashable(stats.params.get(cols)) if cols else None


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
    metric, direction = spec.metric_direction(metric)
    require_metric(spec, observations, metric)
    groups = sweep_cells(observations, [key], direction)
    by_value: dict[Any, list[CellStats]] = defaultdict(list)
    for stats in groups.values():
        by_value[hashable(stats.params.get(key))].append(stats)
    rows = [
        IsolationRow(value=v, stats=pick_best(direction, by_value[v]), tried=len(own_cells(by_value[v])))
        for v in axis_values(spec, key, list(by_value))
    ]
    best = best_position(direction, {i: r.stats for i, r in enumerate(rows)})
    if best is not None:
        rows[best].best = True
    nuisance = [k for k in axes if k != key and spec.role(k) != "fixed"]
    return Isolation(
        sweep=spec.name,
        metric=metric,
        direction=direction,
        key=key,
        nuisance=nuisance,
        rows=rows,
        dataset=spec.dataset,
        splits=splits(spec, groups),
        cells=list(groups.values()),
    )
