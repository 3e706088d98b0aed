"""Seed noise: the within-cell sd pooled over replicated cells (what ``board`` and best-vs-best
show), and the interval record a comparison's pair carries. The A − B difference itself, its
interaction test and the planning are mixed.py's and planning.py's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

LEVEL = 0.95


@dataclass
class SeedNoise:
    sd: float | None  # pooled within-cell sd; None without any cell of two or more seeds
    df: int  # sum over cells of (seeds - 1)
    cells: int  # cells with two or more seeds


@dataclass
class PairedInterval:
    mean: float
    low: float | None  # None with fewer than two paired values
    high: float | None
    n: int
    sd: float | None  # sd of the paired differences
    level: float = LEVEL

    @property
    def df(self) -> int:
        return self.n - 1

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and (self.low > 0 or self.high < 0)


def pooled_sd(groups: Iterable[list[float]]) -> SeedNoise:
    """The within-cell standard deviation pooled over every group of two or more values."""
    squares, df, cells = 0.0, 0, 0
    for values in groups:
        if len(values) >= 2:
            mean = statistics.fmean(values)
            squares += sum((v - mean) ** 2 for v in values)
            df += len(values) - 1
            cells += 1
    return SeedNoise(sd=math.sqrt(squares / df) if df else None, df=df, cells=cells)
