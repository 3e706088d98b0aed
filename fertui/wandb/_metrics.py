"""``define_metric``: which logged metrics get a summary value (min, max, best...) at finish."""

from __future__ import annotations

import math
import sys
from fnmatch import fnmatchcase
from typing import Any

from fertui.metrics import direction_of

SUMMARIES = ("min", "max", "best", "mean", "last", "none")
HEADLINE_FIRST = ("min", "max", "best", "mean", "last")  # with "max,last" the name gets the max


class MetricDefinition:
    """What ``define_metric`` returns: the name and how it is summarized."""

    def __init__(
        self,
        name: str,
        step_metric: str | None = None,
        summary: str | None = None,
        goal: str | None = None,
        **ignored: Any,
    ):
        self.name = name
        self.step_metric = step_metric
        self.summary = summary
        self.goal = goal
        modes = [m.strip().lower() for m in (summary or "").split(",") if m.strip()]
        for mode in modes:
            if mode not in SUMMARIES:  # W&B versions differ here: warn, never stop the script
                print(
                    f"fertui.wandb: define_metric({name!r}): ignoring summary {mode!r} "
                    f"(expected {', '.join(SUMMARIES)})",
                    file=sys.stderr,
                )
        self.modes = [m for m in modes if m in SUMMARIES]

    def matches(self, key: str) -> bool:
        return key == self.name or ("*" in self.name or "?" in self.name) and fnmatchcase(key, self.name)

    def minimize(self, key: str) -> bool:
        """W&B's ``goal`` ("minimize"/"maximize") when given, else fertui's rule for KEY."""
        goal = (self.goal or "").lower()
        if goal.startswith("min"):
            return True
        if goal.startswith("max"):
            return False
        return not direction_of(key).maximize

    def __repr__(self) -> str:
        return f"<wandb metric {self.name}>"


class MetricTracker:
    """Running min/max/mean/last of each logged key that a definition with a summary covers."""

    def __init__(self) -> None:
        self.definitions: list[MetricDefinition] = []
        self.stats: dict[str, dict[str, Any]] = {}

    def define(self, definition: MetricDefinition) -> MetricDefinition:
        self.definitions = [d for d in self.definitions if d.name != definition.name] + [definition]
        return definition

    def definition(self, key: str) -> MetricDefinition | None:
        exact = [d for d in self.definitions if d.name == key]
        if exact:
            return exact[-1]
        globs = [d for d in self.definitions if d.matches(key)]
        return globs[-1] if globs else None

    def observe(self, metrics: dict[str, Any]) -> None:
        for key, value in metrics.items():
            found = self.definition(key)
            if found is None or not found.modes or found.modes == ["none"]:
                continue
            s = self.stats.setdefault(key, {"min": None, "max": None, "sum": 0.0, "count": 0, "last": None})
            s["last"] = value
            if isinstance(value, (int, float)) and math.isfinite(value):
                s["min"] = value if s["min"] is None else min(s["min"], value)
                s["max"] = value if s["max"] is None else max(s["max"], value)
                s["sum"] += value
                s["count"] += 1

    def summaries(self) -> dict[str, Any]:
        """{metric: summarized value} for every tracked metric."""
        out: dict[str, Any] = {}
        for key, s in self.stats.items():
            found = self.definition(key)
            if found is None:
                continue
            mode = next((m for m in HEADLINE_FIRST if m in found.modes), None)
            if mode == "best":
                mode = "min" if found.minimize(key) else "max"
            if mode == "mean":
                value = s["sum"] / s["count"] if s["count"] else None
            else:
                value = s.get(mode) if mode else None
            if value is not None:
                out[key] = value
        return out
