"""What a metric means: its direction, the default objective, and the names shown for it.

The one owner of these rules; everything that ranks, picks a best value or draws a curve asks
here (ingest, ``ls``, ``fertui run``, the console, board, isolation, sensitivity, compare,
suggest, export, report and Optuna). Stdlib only, so the job side may import it too.

Direction, decided in this order:

1. the objective's own direction, when the metric *is* the run's objective (a sweep's
   ``objective``/``direction`` travel with each of its runs as ``Objective``);
2. a per-job override, ``[job] metrics_direction = {"val/err" = "minimize"}``;
3. the name rule: a metric whose last path segment names a cost (``loss``, ``err``/``error``,
   ``nll``, ``mse``, ``mae``, ``rmse``, ``wer``, ``cer``, ``perplexity``/``ppl``) is minimized;
   every other metric (accuracies, F1, throughput) is maximized.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_OBJECTIVE = "val/acc"


class Direction(StrEnum):
    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"

    @property
    def maximize(self) -> bool:
        return self is Direction.MAXIMIZE

    @property
    def short(self) -> str:
        """ "max" or "min", for headers."""
        return self.value[:3]


DEFAULT_DIRECTION = Direction.MAXIMIZE
_BY_TEXT = {text: d for d in Direction for text in (d.value, d.value[:3])}

# Whole words of a metric's last segment that mean "lower is better".
_COST_WORDS = frozenset({"loss", "err", "error", "nll", "mse", "mae", "rmse", "wer", "cer", "perplexity", "ppl"})
_WORD = re.compile(r"[a-z0-9]+")


def parse_direction(text: str | Direction) -> Direction:
    """TEXT ("maximize"/"minimize", or "max"/"min") as a Direction; ValueError otherwise."""
    if isinstance(text, Direction):
        return text
    lowered = str(text).strip().lower()
    if lowered in _BY_TEXT:  # asked once per run a board reads: a lookup, not a loop
        return _BY_TEXT[lowered]
    for direction in Direction:
        if lowered in (direction.value, direction.short):
            return direction
    raise ValueError(f"expected 'maximize' or 'minimize', got {text!r}")


@dataclass(frozen=True)
class Objective:
    """The metric a run or sweep is judged by, and which way is better."""

    metric: str = DEFAULT_OBJECTIVE
    direction: Direction = DEFAULT_DIRECTION

    @property
    def maximize(self) -> bool:
        return self.direction.maximize

    @classmethod
    @functools.lru_cache(maxsize=256)  # asked once per run a board reads (10,000 in a large sweep)
    def of(cls, metric: str | None, direction: str | Direction | None = None) -> Objective:
        """An Objective from stored fields; a missing metric is the default objective and a
        missing direction is the name rule's."""
        name = metric or DEFAULT_OBJECTIVE
        return cls(name, parse_direction(direction) if direction else name_direction(name))


@functools.lru_cache(maxsize=1024)
def name_direction(metric: str) -> Direction:
    """The name rule (3. above) alone."""
    last = metric.rsplit("/", 1)[-1].lower()
    words = set(_WORD.findall(last))
    return Direction.MINIMIZE if words & _COST_WORDS else Direction.MAXIMIZE


def direction_of(
    metric: str,
    objective: Objective | None = None,
    overrides: Mapping[str, str | Direction] | None = None,
) -> Direction:
    """METRIC's direction: the objective's when it is the objective, else an override, else
    the name rule."""
    if objective is not None and metric == objective.metric:
        return objective.direction
    if overrides and metric in overrides:
        return parse_direction(overrides[metric])
    return name_direction(metric)


def is_better(new: float, old: float | None, direction: Direction) -> bool:
    """Whether NEW beats OLD (None: nothing yet) in DIRECTION; a non-finite NEW never does."""
    if not math.isfinite(new):
        return False
    if old is None or not math.isfinite(old):
        return True
    return new > old if direction.maximize else new < old


def best_of(values: Iterable[float], direction: Direction) -> float | None:
    """The best finite value of VALUES in DIRECTION, None when there is none."""
    best: float | None = None
    for value in values:
        if is_better(value, best, direction):
            best = value
    return best


def rank_key(direction: Direction):
    """A sort key that puts the best value first (None and non-finite values last)."""

    def key(value: float | None) -> tuple[int, float]:
        if value is None or not math.isfinite(value):
            return (1, 0.0)
        return (0, -value if direction.maximize else value)

    return key


# Names shown for metrics in tables and headers where the stored name is long.
DISPLAY_ALIASES: dict[str, str] = {
    "val/mean_class_acc": "val/mca",
    "perf/img_per_s": "img/s",
}


def display_name(metric: str) -> str:
    return DISPLAY_ALIASES.get(metric, metric)
