"""Seed noise and the uncertainty of an A-vs-B difference.

Model: the objective of setting m at across-value l and seed s is
``y = mu_m + g_ml + e``, with seed noise ``e ~ N(0, sigma^2)``. The difference of two settings
at one across-value, ``d_l = mean_B,l - mean_A,l``, then varies with both the LR-to-LR
interaction (``tau^2``) and the seed noise (``sigma^2 (1/n_A + 1/n_B)``). A paired t interval
on the ``d_l`` (n_across - 1 degrees of freedom) covers the mean difference with both sources
included; the replicates give ``sigma`` apart (the pooled within-cell sd), which is what the
power estimate needs to say how many seeds would settle a difference. When both settings ran
the same seeds (the trainer seeds data order and initialisation), the seed part of a
difference is measured directly from seed-paired differences, which is usually much smaller
than ``sigma * sqrt(2)``; otherwise the runs are taken as independent.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Iterable

LEVEL = 0.95
POWER = 0.8  # "would resolve": a two-sided test at 5 % finds the difference 80 % of the time
MAX_SEEDS = 200


@dataclass
class SeedNoise:
    sd: float | None  # pooled within-cell sd; None without any cell of two or more seeds
    df: int           # sum over cells of (seeds - 1)
    cells: int        # cells with two or more seeds


@dataclass
class PairedInterval:
    mean: float
    low: float | None   # None with fewer than two paired values
    high: float | None
    n: int
    sd: float | None    # sd of the paired differences
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


def paired_t_interval(diffs: list[float], level: float = LEVEL) -> PairedInterval:
    """Student-t interval for the mean of DIFFS (one per across-value)."""
    from scipy import stats

    n = len(diffs)
    mean = statistics.fmean(diffs) if diffs else math.nan
    if n < 2:
        return PairedInterval(mean=mean, low=None, high=None, n=n, sd=None, level=level)
    sd = statistics.stdev(diffs)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return PairedInterval(mean=mean, low=mean - half, high=mean + half, n=n, sd=sd, level=level)


def unpaired_diff_sd(seed_sd: float) -> float:
    """The seed part of one B − A difference when the two runs' noise is independent."""
    return math.sqrt(2) * seed_sd


def interaction_sd(diff_sd: float, diff_seed_sd: float, seeds: float) -> float:
    """tau: the spread of the true per-value differences, the part more seeds cannot remove.
    DIFF_SD: sd of the per-value mean differences; DIFF_SEED_SD: sd of one seed's difference."""
    return math.sqrt(max(0.0, diff_sd ** 2 - diff_seed_sd ** 2 / seeds))


def power(delta: float, diff_seed_sd: float, lr_sd: float, n_across: int, seeds: int,
          alpha: float = 1 - LEVEL) -> float:
    """Chance that the paired t test at ALPHA rejects 'no difference' when the true one is DELTA,
    with SEEDS seeds in every cell (exact under the model: a noncentral t). DIFF_SEED_SD: the sd
    of one seed's B − A difference at one across-value (unpaired_diff_sd for independent runs)."""
    from scipy import stats

    df = n_across - 1
    se = math.sqrt((lr_sd ** 2 + diff_seed_sd ** 2 / seeds) / n_across)
    if se == 0:
        return 1.0
    crit = stats.t.ppf(1 - alpha / 2, df)
    ncp = abs(delta) / se
    upper, lower = float(stats.nct.sf(crit, df, ncp)), float(stats.nct.cdf(-crit, df, ncp))
    # scipy's noncentral t returns NaN deep in a tail; there the tail is 0 (or the power ~1).
    upper = upper if math.isfinite(upper) else float(ncp > crit)
    lower = lower if math.isfinite(lower) else 0.0
    return upper + lower


def seeds_can_resolve(delta: float, lr_sd: float, n_across: int, target: float = POWER) -> bool:
    """Whether any number of seeds could reach TARGET power: with infinitely many, only the
    LR-to-LR spread of the true differences remains."""
    if n_across < 2 or delta == 0:
        return False
    if lr_sd == 0:
        return True
    from scipy import stats

    df = n_across - 1
    crit = stats.t.ppf(1 - (1 - LEVEL) / 2, df)
    ncp = abs(delta) / (lr_sd / math.sqrt(n_across))
    return float(stats.nct.sf(crit, df, ncp)) >= target


def seeds_needed(delta: float, diff_seed_sd: float, lr_sd: float, n_across: int, target: float = POWER,
                 max_seeds: int = MAX_SEEDS) -> int | None:
    """The fewest seeds per cell giving TARGET power for DELTA; None when no number of seeds
    reaches it (the LR-to-LR spread alone hides a difference this small, or n_across < 2)."""
    if n_across < 2 or delta == 0:
        return None
    if power(delta, diff_seed_sd, lr_sd, n_across, max_seeds) < target:
        return None
    low, high = 1, max_seeds  # power grows with seeds: bisect for the first that reaches TARGET
    while low < high:
        mid = (low + high) // 2
        if power(delta, diff_seed_sd, lr_sd, n_across, mid) >= target:
            high = mid
        else:
            low = mid + 1
    return low
