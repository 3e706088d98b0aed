"""A-vs-B tables: each value of one key (``--by``) at each value of another (``--across``).

Per row the winner is marked and wins are counted. For each pair: the mean difference over the
``--across`` values from a mixed model (mixed.py: REML, model × LR interaction random, paired t
when it cannot be fitted) with its 95 % interval and the interaction F test, the power to find
a smallest effect of interest and the seeds that would give 80 % (planning.py), the best-vs-best
difference a paper reports, and an exact two-sided sign test (binomial, ties dropped; with 5
values its smallest p is 0.0625, so it is never the verdict).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fertui.errors import UserError
from fertui.metrics import Direction, is_better, rank_key
from fertui.sweeps.board import axis_values
from fertui.sweeps.cells import CellStats, hashable, pick_best, sweep_cells
from fertui.sweeps.epochs import EpochRule, epoch_values
from fertui.sweeps.mixed import ModelFit, PairedValue, fit_difference
from fertui.sweeps.noise import PairedInterval, SeedNoise, pooled_sd
from fertui.sweeps.planning import DEFAULT_EFFECT, Plan, plan
from fertui.sweeps.results import require_key, require_metric, require_runs
from fertui.sweeps.spec import require_spec
from fertui.sweeps.testset_compare import TestSetNoise, test_set_noise
from fertui.workspace import Workspace

BEST_EPOCH = EpochRule("best")


@dataclass
class CompareRow:
    across_value: Any
    stats: dict[Any, CellStats]  # by-value -> cell (best over any other axes)
    winner: Any | None  # None: a tie, or fewer than two finished values


@dataclass
class BestVsBest:
    """Each setting at its own best across-value: the difference a paper reports. Picked on the
    same results it is measured on, so it is optimistic; its SE carries seed noise only."""

    a_value: Any
    b_value: Any
    diff: float
    se: float | None


@dataclass
class PairStat:
    a: Any
    b: Any
    n: int  # rows where both finished
    mean_diff: float | None  # the model's mean of (b - a) over the across-values
    a_wins: int
    b_wins: int
    ties: int
    p_value: float
    interval: PairedInterval | None = None
    seeds: tuple[int, int] = (0, 0)  # fewest and most seeds of the paired cells
    fit: ModelFit | None = None  # the mixed model's estimate, interval and interaction test
    plan: Plan | None = None  # power and seeds at the smallest effect of interest
    best_vs_best: BestVsBest | None = None
    testset: TestSetNoise | None = None  # when every run stored its per-image predictions
    effect: float = DEFAULT_EFFECT  # the smallest difference of interest (--effect)

    @property
    def judged(self) -> tuple[float, float] | None:
        """The interval the verdict is judged on: the widest there is, with the test set's noise
        when the runs stored their predictions; None without one. The verdict's words, the plan's
        advice and --enqueue all read this one."""
        if self.testset is not None:
            return self.testset.low, self.testset.high
        if self.fit is None or self.fit.low is None:
            return None
        return self.fit.low, self.fit.high

    @property
    def settled(self) -> bool:
        """The judged interval excludes 0, or lies inside ±effect: more seeds would not change
        what the verdict says."""
        if self.judged is None:
            return False
        low, high = self.judged
        return low > 0 or high < 0 or (-self.effect < low and high < self.effect)

    @property
    def lr_sd(self) -> float | None:
        """Spread of the true per-value differences (REML); None without replicates."""
        return None if self.fit is None or self.fit.lr_var is None else self.fit.lr_var**0.5

    @property
    def seeds_needed(self) -> int | None:
        return self.plan.seeds_needed if self.plan is not None else None


@dataclass
class Comparison:
    sweep: str
    metric: str
    direction: Direction
    by: str
    across: str
    by_values: list
    rows: list[CompareRow]
    wins: dict[Any, int] = field(default_factory=dict)
    pairs: list[PairStat] = field(default_factory=list)
    noise: SeedNoise = field(default_factory=lambda: SeedNoise(None, 0, 0))
    epoch: EpochRule = BEST_EPOCH  # which epoch's value each run contributes

    @property
    def maximize(self) -> bool:
        return self.direction.maximize

    def deciding_cells(self) -> dict[Any, CellStats]:
        """Each by-value's best cell over the across-values: the cells the comparison turns on."""
        best: dict[Any, CellStats] = {}
        for b in self.by_values:
            cells = [row.stats[b] for row in self.rows if b in row.stats]
            if cells:
                best[b] = pick_best(self.direction, cells)
        return best


def sign_test(wins: int, losses: int) -> float:
    """Exact two-sided sign test p-value for WINS against LOSSES (ties already dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def compare(
    ws: Workspace,
    sweep: str,
    by: str,
    across: str | None = None,
    metric: str | None = None,
    effect: float = DEFAULT_EFFECT,
    epoch: EpochRule = BEST_EPOCH,
) -> Comparison:
    spec = require_spec(ws, sweep)
    axes = [a.key for a in spec.axes]
    observations = require_runs(ws, spec, metric)
    for flag, key in (("--by", by), ("--across", across)):
        if key is not None:
            require_key(spec, observations, key, flag)
    if across is None:
        across = "optim.lr" if "optim.lr" in axes and by != "optim.lr" else next((k for k in axes if k != by), None)
        if across is None:
            raise UserError(f"sweep '{sweep}' has no axis besides {by}; give --across KEY")
    if by == across:
        raise UserError(f"--by and --across are both {by}; pick two different keys")
    metric, direction = spec.metric_direction(metric)
    require_metric(spec, observations, metric)
    observations = epoch_values(ws, observations, metric, epoch)
    groups = sweep_cells(observations, [by, across], direction)
    table: dict[Any, dict[Any, list[CellStats]]] = defaultdict(lambda: defaultdict(list))
    for stats in groups.values():
        table[hashable(stats.params.get(across))][hashable(stats.params.get(by))].append(stats)
    by_values = axis_values(spec, by, sorted({b for row in table.values() for b in row}, key=str))
    if len(by_values) < 2:
        raise UserError(
            f"sweep '{sweep}' has only one value of {by} ({by_values[0] if by_values else 'none'}); nothing to compare"
        )
    result = Comparison(
        sweep=spec.name,
        metric=metric,
        direction=direction,
        by=by,
        across=across,
        by_values=by_values,
        rows=[],
        wins={b: 0 for b in by_values},
        noise=pooled_sd(stats.values for stats in groups.values()),
        epoch=epoch,
    )
    for value in axis_values(spec, across, list(table)):
        stats = {b: pick_best(direction, cands) for b, cands in table[value].items()}
        winner = _winner(direction, stats)
        if winner is not None:
            result.wins[winner] += 1
        result.rows.append(CompareRow(across_value=value, stats=stats, winner=winner))
    reference = by_values[0]
    result.pairs = [_pair(result, reference, other, effect) for other in by_values[1:]]
    for pair in result.pairs:
        pair.testset = test_set_noise(ws, result, pair)
        # Planned once the test set's noise is known: the verdict is judged on the widened interval, so is the power.
        pair.plan = plan(pair.fit, effect, pair.testset.sd if pair.testset is not None else None)
    return result


def _winner(direction: Direction, stats: dict[Any, CellStats]) -> Any | None:
    finished = [(b, s.mean) for b, s in stats.items() if s.mean is not None]
    if len(finished) < 2:
        return None
    ranked = sorted(finished, key=lambda bm: rank_key(direction)(bm[1]))
    return None if ranked[0][1] == ranked[1][1] else ranked[0][0]


def _pair(result: Comparison, a: Any, b: Any, effect: float = DEFAULT_EFFECT) -> PairStat:
    diffs, counts, paired, a_wins, b_wins = [], [], [], 0, 0
    for row in result.rows:
        sa, sb = row.stats.get(a), row.stats.get(b)
        if sa is not None and sb is not None and sa.mean is not None and sb.mean is not None:
            diffs.append(sb.mean - sa.mean)
            counts += [sa.n, sb.n]
            paired.append(PairedValue(tuple(sa.values), tuple(sb.values), tuple(sa.seeds), tuple(sb.seeds)))
            # A "win" is a better value in the sweep's direction.
            b_wins += is_better(sb.mean, sa.mean, result.direction)
            a_wins += is_better(sa.mean, sb.mean, result.direction)
    pair = PairStat(
        a=a,
        b=b,
        n=len(diffs),
        mean_diff=statistics.fmean(diffs) if diffs else None,
        a_wins=a_wins,
        b_wins=b_wins,
        ties=len(diffs) - a_wins - b_wins,
        p_value=sign_test(b_wins, a_wins),
        effect=effect,
    )
    if not diffs:
        return pair
    pair.seeds = (min(counts), max(counts))
    pair.fit = fit_difference(paired)
    fit = pair.fit
    pair.mean_diff = fit.estimate
    pair.interval = PairedInterval(
        mean=fit.estimate,
        low=fit.low,
        high=fit.high,
        n=fit.data.n,
        sd=statistics.stdev(diffs) if len(diffs) > 1 else None,
        level=fit.level,
    )
    pair.best_vs_best = _best_vs_best(result, a, b)
    return pair


def _best_vs_best(result: Comparison, a: Any, b: Any) -> BestVsBest | None:
    best = result.deciding_cells()
    if a not in best or b not in best:
        return None
    sa, sb = best[a], best[b]
    value_of = {id(row.stats.get(x)): row.across_value for row in result.rows for x in (a, b)}
    noise = result.noise.sd
    se = math.sqrt(noise**2 * (1 / sa.n + 1 / sb.n)) if noise is not None else None
    return BestVsBest(value_of.get(id(sa)), value_of.get(id(sb)), sb.mean - sa.mean, se)
