""" "Does this knob matter?" answered both ways: an equivalence test (TOST) against the smallest
effect of interest, and a two-way ANOVA for a pair of knobs (does weight decay depend on LR?).

TOST: for every pair of the knob's values, the mean difference over the cells of the other axes
where both ran (paired by cell, seeds averaged; with a single such cell, the seeds themselves,
Welch), with its 90 % t interval; the cells' spread is never taken below what the seed noise
alone gives them, so tied differences do not make a zero-width interval. The knob has "no effect larger than E" when every pair's
90 % interval lies inside ±E: each pair is then a pair of one-sided 5 % tests that reject
"|difference| >= E", and requiring all pairs is an intersection–union test, valid at 5 %
without a multiplicity correction.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from fertui.sweeps.results import Observation

TOST_LEVEL = 0.90


@dataclass(frozen=True)
class LevelDifference:
    a: Any
    b: Any
    diff: float  # mean of (b − a)
    low: float | None  # 90 % interval; None with too little data
    high: float | None
    units: int  # matched cells (or seeds, when there is one cell)


@dataclass(frozen=True)
class Equivalence:
    key: str
    effect: float
    pairs: list[LevelDifference]

    @property
    def widest(self) -> LevelDifference | None:
        """The pair whose interval reaches furthest from 0: the one the verdict turns on."""
        known = [p for p in self.pairs if p.low is not None]
        return max(known, key=lambda p: max(abs(p.low), abs(p.high))) if known else None

    @property
    def equivalent(self) -> bool:
        return bool(self.pairs) and all(
            p.low is not None and -self.effect < p.low and p.high < self.effect for p in self.pairs
        )


def _t_interval(values: list[float], seed_var: float = 0.0) -> tuple[float, float | None, float | None]:
    """The paired t interval over cell differences VALUES. Their spread holds the seed noise and
    any interaction, but two or three cell differences of test-image counts tie easily: their
    SD is then taken as at least the seed noise's part, SEED_VAR (the variance of one cell's
    difference from the seeds alone), and a spread of exactly 0 with nothing to floor it gives
    no interval rather than a zero-width one."""
    from scipy import stats

    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None, None
    sd = max(statistics.stdev(values), math.sqrt(seed_var))
    if sd == 0:
        return mean, None, None
    half = stats.t.ppf(0.5 + TOST_LEVEL / 2, len(values) - 1) * sd / math.sqrt(len(values))
    return mean, mean - half, mean + half


def _welch(a: list[float], b: list[float]) -> tuple[float, float | None, float | None]:
    from scipy import stats

    diff = statistics.fmean(b) - statistics.fmean(a)
    if len(a) < 2 or len(b) < 2:
        return diff, None, None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:  # every seed gave the same value: nothing measures the noise
        return diff, None, None
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + TOST_LEVEL / 2, df) * se
    return diff, diff - half, diff + half


def equivalence(key: str, axes: list[str], observations: list[Observation], effect: float) -> Equivalence:
    """TOST for KEY against ±EFFECT over the finished runs in OBSERVATIONS."""
    others = [k for k in axes if k != key]
    cells: dict[tuple, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for o in observations:
        if o.value is not None:
            cells[tuple(repr(o.cell.get(k)) for k in others)][o.cell.get(key)].append(o.value)
    values = sorted({v for by_value in cells.values() for v in by_value}, key=_order)
    seed_var = _pooled_seed_variance([seeds for by_value in cells.values() for seeds in by_value.values()])
    pairs = []
    for a, b in combinations(values, 2):
        matched = [(by_value[a], by_value[b]) for by_value in cells.values() if a in by_value and b in by_value]
        if len(matched) >= 2:
            diff, low, high = _t_interval(
                [statistics.fmean(y) - statistics.fmean(x) for x, y in matched],
                seed_var * statistics.fmean(1 / len(x) + 1 / len(y) for x, y in matched),
            )
        elif matched:
            diff, low, high = _welch(*matched[0])
        else:
            continue
        pairs.append(
            LevelDifference(
                a, b, diff, low, high, len(matched) if len(matched) >= 2 else len(matched[0][0]) + len(matched[0][1])
            )
        )
    return Equivalence(key, effect, pairs)


def _pooled_seed_variance(groups: list[list[float]]) -> float:
    """The seed variance pooled over every cell with two or more seeds; 0 without any."""
    df = sum(len(g) - 1 for g in groups if len(g) >= 2)
    return sum((len(g) - 1) * statistics.variance(g) for g in groups if len(g) >= 2) / df if df else 0.0


def _order(value: Any) -> tuple:
    """Numbers by size, then anything else by its text."""
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (0, float(value), "") if numeric else (1, 0.0, repr(value))


@dataclass(frozen=True)
class AnovaTerm:
    term: str
    f: float | None
    df: int
    df_resid: int
    p: float | None


def two_way_anova(first: str, second: str, observations: list[Observation]) -> list[AnovaTerm]:
    """Type-II two-way ANOVA of the objective on FIRST, SECOND and their interaction (both as
    categories); the interaction needs replicates (seeds) in the cells."""
    import pandas as pd
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    rows = [
        {"y": o.value, "a": repr(o.cell.get(first)), "b": repr(o.cell.get(second))}
        for o in observations
        if o.value is not None
    ]
    frame = pd.DataFrame(rows)
    fitted = smf.ols("y ~ C(a) * C(b)", data=frame).fit()
    if fitted.df_resid < 1:
        return []
    table = anova_lm(fitted, typ=2)
    names = {"C(a)": first, "C(b)": second, "C(a):C(b)": f"{first} \u00d7 {second}"}
    out = []
    for term, label in names.items():
        row = table.loc[term]
        f, p = row["F"], row["PR(>F)"]
        out.append(
            AnovaTerm(
                label,
                None if math.isnan(f) else float(f),
                int(row["df"]),
                int(fitted.df_resid),
                None if math.isnan(p) else float(p),
            )
        )
    return out
