"""A-vs-B tables: each value of one key (``--by``) at each value of another (``--across``).

Per row the winner is marked and wins are counted. For each pair: the mean paired difference
with a 95 % paired t interval over the ``--across`` values (it carries both LR-to-LR and
seed-to-seed variation, see noise.py), the pooled seed noise from replicates, how many more
seeds would resolve a difference of the observed size, and an exact two-sided sign test
(binomial, ties dropped; with 5 values its smallest p is 0.0625, so it is never the verdict).
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
from fertui.sweeps.noise import (PairedInterval, SeedNoise, interaction_sd, paired_t_interval, pooled_sd,
                                 seeds_needed, unpaired_diff_sd)
from fertui.sweeps.results import require_key, require_metric, require_runs
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace


@dataclass
class CompareRow:
    across_value: Any
    stats: dict[Any, CellStats]  # by-value -> cell (best over any other axes)
    winner: Any | None  # None: a tie, or fewer than two finished values


@dataclass
class PairStat:
    a: Any
    b: Any
    n: int            # rows where both finished
    mean_diff: float | None  # mean of (b - a)
    a_wins: int
    b_wins: int
    ties: int
    p_value: float
    interval: PairedInterval | None = None
    seeds: tuple[int, int] = (0, 0)      # fewest and most seeds of the paired cells
    lr_sd: float | None = None           # spread of the true per-value differences (needs seed noise)
    seeds_needed: int | None = None      # seeds per cell for 80 % power at mean_diff; None: unreachable
    diff_noise: SeedNoise | None = None  # sd of seed-paired differences, when both ran the same seeds


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
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(ws: Workspace, sweep: str, by: str, across: str | None = None, metric: str | None = None) -> Comparison:
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
    groups = sweep_cells(observations, [by, across], direction)
    table: dict[Any, dict[Any, list[CellStats]]] = defaultdict(lambda: defaultdict(list))
    for stats in groups.values():
        table[hashable(stats.params.get(across))][hashable(stats.params.get(by))].append(stats)
    by_values = axis_values(spec, by, sorted({b for row in table.values() for b in row}, key=str))
    if len(by_values) < 2:
        raise UserError(f"sweep '{sweep}' has only one value of {by} ({by_values[0] if by_values else 'none'}); "
                        "nothing to compare")
    result = Comparison(sweep=spec.name, metric=metric, direction=direction, by=by, across=across,
                        by_values=by_values, rows=[], wins={b: 0 for b in by_values},
                        noise=pooled_sd(stats.values for stats in groups.values()))
    for value in axis_values(spec, across, list(table)):
        stats = {b: pick_best(direction, cands) for b, cands in table[value].items()}
        winner = _winner(direction, stats)
        if winner is not None:
            result.wins[winner] += 1
        result.rows.append(CompareRow(across_value=value, stats=stats, winner=winner))
    reference = by_values[0]
    result.pairs = [_pair(result, reference, other) for other in by_values[1:]]
    return result


def _winner(direction: Direction, stats: dict[Any, CellStats]) -> Any | None:
    finished = [(b, s.mean) for b, s in stats.items() if s.mean is not None]
    if len(finished) < 2:
        return None
    ranked = sorted(finished, key=lambda bm: rank_key(direction)(bm[1]))
    return None if ranked[0][1] == ranked[1][1] else ranked[0][0]


def _pair(result: Comparison, a: Any, b: Any) -> PairStat:
    diffs, counts, seed_diffs, a_wins, b_wins = [], [], [], 0, 0
    for row in result.rows:
        sa, sb = row.stats.get(a), row.stats.get(b)
        if sa is not None and sb is not None and sa.mean is not None and sb.mean is not None:
            diffs.append(sb.mean - sa.mean)
            counts += [sa.n, sb.n]
            seed_diffs.append(_seed_paired(sa, sb))
            # A "win" is a better value in the sweep's direction.
            b_wins += is_better(sb.mean, sa.mean, result.direction)
            a_wins += is_better(sa.mean, sb.mean, result.direction)
    pair = PairStat(a=a, b=b, n=len(diffs), mean_diff=statistics.fmean(diffs) if diffs else None,
                    a_wins=a_wins, b_wins=b_wins, ties=len(diffs) - a_wins - b_wins,
                    p_value=sign_test(b_wins, a_wins))
    if not diffs:
        return pair
    pair.interval = paired_t_interval(diffs)
    pair.seeds = (min(counts), max(counts))
    noise = result.noise.sd
    if noise is not None and pair.interval.sd is not None:
        if all(d is not None for d in seed_diffs):
            pair.diff_noise = pooled_sd(seed_diffs)
        diff_seed_sd = pair.diff_noise.sd if pair.diff_noise and pair.diff_noise.sd is not None \
            else unpaired_diff_sd(noise)
        # Seeds per cell as a harmonic mean: the seed part of var(d) is sd^2 (1/n_A + 1/n_B) / 2 per seed.
        typical = len(counts) / sum(1 / c for c in counts)
        pair.lr_sd = interaction_sd(pair.interval.sd, diff_seed_sd, typical)
        pair.seeds_needed = seeds_needed(pair.mean_diff, diff_seed_sd, pair.lr_sd, pair.n)
    return pair


def _seed_paired(sa: CellStats, sb: CellStats) -> list[float] | None:
    """B − A per seed when both cells ran exactly the same seeds; None otherwise."""
    a, b = dict(zip(sa.seeds, sa.values)), dict(zip(sb.seeds, sb.values))
    if len(a) != len(sa.values) or set(a) != set(b):
        return None
    return [b[s] - a[s] for s in sorted(a)]
