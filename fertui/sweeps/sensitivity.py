"""LR sensitivity: for each value of a scientific axis, how wide (in decades) the window of LRs
is whose objective stays within DELTA of that value's best.

The objective is interpolated linearly on the log10-LR grid between the tried LRs (each the
best over any other nuisance axes, mean over seeds: the cells of :mod:`fertui.sweeps.cells`,
so a point here is the value the board and the isolation view show). The window is the stretch around the best
LR; a side that reaches the grid's edge still within DELTA is open-ended, so the true window is
at least that wide.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.errors import UserError
from fertui.figures import log_lr_axis, new_figure, save_figure, styled
from fertui.metrics import Direction
from fertui.sweeps.board import axis_values
from fertui.sweeps.cells import hashable, pick_best, sweep_cells
from fertui.sweeps.results import require_runs
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace

DEFAULT_DELTA = 0.5  # points of accuracy
LR_KEY = "optim.lr"


@dataclass
class LrWindow:
    best: float
    best_lr: float
    low_lr: float  # window edges (LR); at a grid edge when open
    high_lr: float
    open_low: bool
    open_high: bool
    delta: float
    direction: Direction = Direction.MAXIMIZE

    @property
    def floor(self) -> float:
        """The objective at the window's edges."""
        return self.best - self.delta if self.direction.maximize else self.best + self.delta

    @property
    def decades(self) -> float:
        return math.log10(self.high_lr) - math.log10(self.low_lr)


@dataclass
class Sensitivity:
    value: Any
    window: LrWindow | None  # None with no finished LR
    points: list[tuple[float, float]] = field(default_factory=list)  # (lr, objective), by lr


def lr_window(
    points: list[tuple[float, float]], delta: float = DEFAULT_DELTA, direction: Direction = Direction.MAXIMIZE
) -> LrWindow:
    """The within-DELTA window around the best of POINTS ((lr, objective), any order)."""
    pts = sorted(points)
    xs = [math.log10(lr) for lr, _ in pts]
    ys = [y if direction.maximize else -y for _, y in pts]  # work as "higher is better"
    i_best = max(range(len(ys)), key=lambda i: ys[i])
    floor = ys[i_best] - delta

    def edge(step: int) -> tuple[float, bool]:
        i = i_best
        while 0 <= i + step < len(xs):
            j = i + step
            if ys[j] < floor:  # crosses between i and j: linear in log-LR
                t = (ys[i] - floor) / (ys[i] - ys[j])
                return xs[i] + t * (xs[j] - xs[i]), False
            i = j
        return xs[i], True

    low, open_low = edge(-1)
    high, open_high = edge(+1)
    best_lr, best = pts[i_best]
    return LrWindow(
        best=best,
        best_lr=best_lr,
        low_lr=10**low,
        high_lr=10**high,
        open_low=open_low,
        open_high=open_high,
        delta=delta,
        direction=direction,
    )


def sensitivity(
    ws: Workspace, sweep: str, key: str | None = None, delta: float = DEFAULT_DELTA, metric: str | None = None
) -> tuple[str, list[Sensitivity]]:
    """(key, one Sensitivity per value of KEY, the isolation view's scientific axis by default)."""
    spec = require_spec(ws, sweep)
    if spec.axis(LR_KEY) is None:
        raise UserError(f"sweep '{sweep}' has no {LR_KEY} axis: LR sensitivity needs an LR grid")
    if key is None:
        scientific = [a.key for a in spec.axes if spec.role(a.key) == "scientific" and a.key != LR_KEY]
        key = scientific[0] if scientific else next((a.key for a in spec.axes if a.key != LR_KEY), None)
    if key == LR_KEY:
        raise UserError(f"LR sensitivity is shown per value of another key, not of {LR_KEY}")
    metric, direction = spec.metric_direction(metric)
    keys = [LR_KEY] + ([key] if key else [])
    groups = sweep_cells(require_runs(ws, spec, metric), keys, direction)
    by_position = defaultdict(list)
    for stats in groups.values():
        by_position[(hashable(stats.params.get(key)) if key else None, stats.params.get(LR_KEY))].append(stats)
    per_value = defaultdict(list)
    for (value, lr), cands in by_position.items():
        best = pick_best(direction, cands)
        if best.mean is not None and isinstance(lr, (int, float)) and lr > 0:
            per_value[value].append((float(lr), best.mean))
    values = axis_values(spec, key, list({v for v, _ in by_position})) if key else [None]
    out = []
    for v in values:
        points = sorted(per_value.get(v, []))
        out.append(Sensitivity(v, lr_window(points, delta, direction) if points else None, points))
    return key or "", out


def window_line(key: str, s: Sensitivity, fmt=lambda v: f"{v:.2f}") -> str:
    """``depth 8: best 85.40 at 3.2e-6, within 0.5 over 0.90 decades (3.2e-6…2.5e-5)``."""
    from fertui.config import compact

    if not key:
        name = "all"
    else:  # a model name as it is, a number with its key: "depth 8"
        name = compact(s.value) if isinstance(s.value, str) else f"{key.split('.')[-1]} {compact(s.value)}"
    w = s.window
    if w is None:
        return f"{name}: no finished LR"
    if len(s.points) == 1:
        return f"{name}: best {fmt(w.best)} at {compact(w.best_lr)}, one LR only: window unknown"
    at_least = "at least " if w.open_low or w.open_high else ""
    opens = []
    if w.open_low:
        opens.append("open-ended below the grid")
    if w.open_high:
        opens.append("open-ended above the grid")
    edges = f"{lr_text(w.low_lr)}\u2026{lr_text(w.high_lr)}"
    return (
        f"{name}: best {fmt(w.best)} at {compact(w.best_lr)}, within {compact(w.delta)} over "
        f"{at_least}{w.decades:.2f} decades ({edges}" + (f"; {', '.join(opens)}" if opens else "") + ")"
    )


def lr_text(value: float) -> str:
    """An interpolated LR in the grid's style, two digits: 4.6e-4, 1e-5."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def isolation_windows(
    ws: Workspace, sweep: str, key: str | None, delta: float, metric: str | None
) -> tuple[str, list[Sensitivity]] | None:
    """sensitivity() beside an isolation view: None (rather than an error) for a sweep without
    an LR axis, or when the view is itself by LR."""
    if require_spec(ws, sweep).axis(LR_KEY) is None or key == LR_KEY:
        return None
    return sensitivity(ws, sweep, key, delta, metric)


def sensitivity_lines(
    ws: Workspace, sweep: str, key: str | None, delta: float = DEFAULT_DELTA, metric: str | None = None
) -> list[str]:
    """The window lines for the isolation view; none for a sweep without an LR axis."""
    windows = isolation_windows(ws, sweep, key, delta, metric)
    if windows is None:
        return []
    found_key, rows = windows
    return [f"LR sensitivity (window within {delta:g} of each best, interpolated on log LR):"] + [
        "  " + window_line(found_key, s) for s in rows
    ]


def sensitivity_records(
    ws: Workspace, sweep: str, key: str | None, delta: float = DEFAULT_DELTA, metric: str | None = None
) -> list[dict]:
    windows = isolation_windows(ws, sweep, key, delta, metric)
    if windows is None:
        return []
    found_key, rows = windows
    out = []
    for s in rows:
        w = s.window
        out.append(
            {
                "key": found_key,
                "value": s.value,
                "points": s.points,
                "delta": delta,
                **(
                    {
                        "best": w.best,
                        "best_lr": w.best_lr,
                        "low_lr": w.low_lr,
                        "high_lr": w.high_lr,
                        "decades": w.decades,
                        "open_low": w.open_low,
                        "open_high": w.open_high,
                    }
                    if w is not None and len(s.points) > 1
                    else {}
                ),
            }
        )
    return out


def sensitivity_png(
    key: str,
    rows: list[Sensitivity],
    path,
    title: str,
    metric: str,
    delta: float = DEFAULT_DELTA,
    formats: tuple[str, ...] = ("png",),
) -> list:
    """The objective against LR per setting, each setting's LR window as a bar under its curve;
    an end of a window that the tried LRs did not close is an arrow pointing on (labelled "open"
    in the legend, not beside the points). The paths written, one per format."""
    return save_figure(_sensitivity_figure(key, rows, title, metric, delta), Path(path), formats)


@styled
def _sensitivity_figure(key: str, rows: list[Sensitivity], title: str, metric: str, delta: float):
    from matplotlib.lines import Line2D

    from fertui.config import compact

    fig, ax = new_figure(1, height_in=2.8)
    tried, any_open = [], False
    for s in rows:
        if not s.points:
            continue
        tried += [p[0] for p in s.points]
        (line,) = ax.plot(
            [p[0] for p in s.points],
            [p[1] for p in s.points],
            marker="o",
            label=f"{key.split('.')[-1]}={compact(s.value)}" if key else "all",
        )
        w = s.window
        if w is not None and len(s.points) > 1:
            y = w.floor
            ax.hlines(y, w.low_lr, w.high_lr, colors=line.get_color(), linewidth=3, alpha=0.5)
            for lr, is_open, mark in ((w.low_lr, w.open_low, "<"), (w.high_lr, w.open_high, ">")):
                if is_open:
                    any_open = True
                    ax.plot(lr, y, marker=mark, color=line.get_color(), markersize=5, linestyle="none")
    if tried:
        log_lr_axis(ax, tried)
    ax.set_xlabel(LR_KEY)
    ax.set_ylabel(metric)
    ax.set_title(f"{title}\nLR windows: within {delta:g} of each best")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if any_open:
        handles.append(Line2D([], [], marker=">", color="grey", linestyle="none"))
        labels.append("window open at the tried range's end")
    # Under the axes: the curves use the whole plot.
    ax.legend(handles, labels, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    return fig
