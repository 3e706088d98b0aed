"""Metric curves of a run, accumulated from its events, and downsampling for plotting."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class RunSeries:
    """What the charts need from one run's events.jsonl."""

    metrics: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    nan_steps: list[float] = field(default_factory=list)
    start: dict = field(default_factory=dict)
    version: int = 0  # bumped on every change so a chart redraws only when needed

    def add(self, events: list[dict]) -> list[dict]:
        """Fold EVENTS in; returns the NaN events among them."""
        nans = []
        for event in events:
            kind = event.get("type")
            if kind == "log":
                step = event.get("step")
                if not isinstance(step, (int, float)):
                    continue
                for name, value in (event.get("metrics") or {}).items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        xs, ys = self.metrics.setdefault(name, ([], []))
                        xs.append(step)
                        ys.append(float(value))
            elif kind == "nan":
                nans.append(event)
                if isinstance(event.get("step"), (int, float)):
                    self.nan_steps.append(event["step"])
            elif kind == "start":
                self.start = event
        if events:
            self.version += 1
        return nans

    def curve(self, metric: str) -> tuple[list[float], list[float]]:
        return self.metrics.get(metric, ([], []))


def finite_points(xs: list[float], ys: list[float]) -> tuple[list[float], list[float]]:
    if math.isfinite(sum(ys)):  # the usual case, checked in C: NaN and inf make the sum non-finite
        return xs, ys
    keep = [i for i, y in enumerate(ys) if math.isfinite(y)]
    return [xs[i] for i in keep], [ys[i] for i in keep]


def downsample(xs: list[float], ys: list[float], target: int) -> tuple[list[float], list[float]]:
    """At most about TARGET points: the min and max of each bucket, so spikes stay visible."""
    n = len(xs)
    if n <= target or target < 4:
        return xs, ys
    buckets = max(1, target // 2)
    size = n / buckets
    out_x: list[float] = []
    out_y: list[float] = []
    for b in range(buckets):
        lo, hi = int(b * size), min(n, int((b + 1) * size))
        if hi <= lo:
            continue
        seg = range(lo, hi)
        i_min = min(seg, key=ys.__getitem__)
        i_max = max(seg, key=ys.__getitem__)
        for i in sorted({i_min, i_max}):
            out_x.append(xs[i])
            out_y.append(ys[i])
    if out_x[-1] != xs[-1]:  # the latest value is the one people look at
        out_x.append(xs[-1])
        out_y.append(ys[-1])
    return out_x, out_y
