"""A plotext chart of one metric for one or more runs, with NaN steps marked."""

from __future__ import annotations

from dataclasses import dataclass

from textual_plotext import PlotextPlot

from fertui.tui.series import downsample, finite_points

LINE_COLORS = ("cyan", "yellow", "green", "magenta", "blue", "red", "white")


@dataclass
class Curve:
    label: str
    xs: list[float]
    ys: list[float]
    nan_steps: list[float]


class MetricChart(PlotextPlot):
    """Replotted by its screen's timer, and only when the data or the size changed."""

    DEFAULT_CSS = """
    MetricChart { height: 1fr; width: 1fr; min-height: 6; }
    """

    def __init__(self, metric: str, title: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.metric = metric
        self.title = title or metric
        self._drawn_key = None
        self.curves_drawn = 0  # what the last plot held: for tests and the tmux check
        self.points_drawn = 0
        self.nan_steps: list[float] = []
        self.xlabel = "step"
        self.log_y = False  # losses spanning decades read better on a log axis

    def show(self, curves: list[Curve], key, xlabel: str = "step") -> bool:
        """Plot CURVES unless KEY (a version stamp of the data) and the size are unchanged."""
        full_key = (key, xlabel, self.log_y, self.size.width, self.size.height)
        if full_key == self._drawn_key:
            return False
        self._drawn_key = full_key
        plt = self.plt
        plt.clear_figure()
        plt.title(self.title)
        target = max(8, 2 * max(self.size.width, 10))  # about two points per column
        has_data = False
        has_points = False
        for i, curve in enumerate(curves):
            xs, ys = finite_points(curve.xs, curve.ys)
            if self.log_y:  # a log axis has no place for zero or below
                keep = [i for i, y in enumerate(ys) if y > 0]
                xs, ys = [xs[i] for i in keep], [ys[i] for i in keep]
            xs, ys = downsample(xs, ys, target)
            color = LINE_COLORS[i % len(LINE_COLORS)]
            if xs:
                has_data = has_points = True
                label = curve.label if len(curves) > 1 else None
                if len(xs) < 3:  # a line needs two points; a lone validation value still shows
                    plt.scatter(xs, ys, color=color, label=label, marker="●")
                else:
                    plt.plot(xs, ys, color=color, label=label, marker="braille")
            for step in curve.nan_steps:
                plt.vline(step, "red")
                has_data = True
        self.curves_drawn = sum(1 for c in curves if c.xs)
        self.points_drawn = sum(len(finite_points(c.xs, c.ys)[0]) for c in curves)
        nan_steps = [s for c in curves for s in c.nan_steps]
        self.nan_steps = nan_steps
        if nan_steps:
            # plotext drops a title wider than the plot: keep it short at 80 columns
            long = f"{self.title}: NaN at step {min(nan_steps):g} (red line)"
            fits = len(long) + 10 <= self.size.width  # the y labels take up to ~10 columns
            plt.title(long if fits else f"{self.title} NaN@{min(nan_steps):g}")
        if not has_data:
            plt.title(f"{self.title}: no data yet")
        # plotext cannot place a log axis with no point on it (TypeError in its power10)
        plt.yscale("log" if self.log_y and has_points else "linear")
        plt.xlabel(xlabel)
        self.xlabel = xlabel
        self.refresh()
        return True
