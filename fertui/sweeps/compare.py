"""A-vs-B tables: each value of one key (``--by``) at each value of another (``--across``).

Per row the winner is marked and wins are counted; for each pair the mean paired difference
and an exact two-sided sign test (binomial, ties dropped) say whether the wins are chance.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fertui.errors import UserError
from fertui.sweeps.board import CellStats, _hashable, _ordered, _pick_best, group_cells
from fertui.sweeps.results import require_key, require_metric, require_runs, settled
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


@dataclass
class Comparison:
    sweep: str
    metric: str
    maximize: bool
    by: str
    across: str
    by_values: list
    rows: list[CompareRow]
    wins: dict[Any, int] = field(default_factory=dict)
    pairs: list[PairStat] = field(default_factory=list)


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
    metric = metric or spec.objective
    require_metric(spec, observations, metric)
    maximize = spec.maximize if metric == spec.objective else "loss" not in metric
    groups = group_cells(spec, settled(spec, observations, maximize), [by, across])
    table: dict[Any, dict[Any, list[CellStats]]] = defaultdict(lambda: defaultdict(list))
    for stats in groups.values():
        table[_hashable(stats.params.get(across))][_hashable(stats.params.get(by))].append(stats)
    by_values = _ordered(spec, by, sorted({b for row in table.values() for b in row}, key=str))
    if len(by_values) < 2:
        raise UserError(f"sweep '{sweep}' has only one value of {by} ({by_values[0] if by_values else 'none'}); "
                        "nothing to compare")
    result = Comparison(sweep=spec.name, metric=metric, maximize=maximize, by=by, across=across,
                        by_values=by_values, rows=[], wins={b: 0 for b in by_values})
    for value in _ordered(spec, across, list(table)):
        stats = {b: _pick_best(maximize, cands) for b, cands in table[value].items()}
        winner = _winner(maximize, stats)
        if winner is not None:
            result.wins[winner] += 1
        result.rows.append(CompareRow(across_value=value, stats=stats, winner=winner))
    reference = by_values[0]
    result.pairs = [_pair(result, reference, other) for other in by_values[1:]]
    return result


def _winner(maximize: bool, stats: dict[Any, CellStats]) -> Any | None:
    finished = [(b, s.mean) for b, s in stats.items() if s.mean is not None]
    if len(finished) < 2:
        return None
    ranked = sorted(finished, key=lambda bm: bm[1], reverse=maximize)
    return None if ranked[0][1] == ranked[1][1] else ranked[0][0]


def _pair(result: Comparison, a: Any, b: Any) -> PairStat:
    diffs = []
    for row in result.rows:
        sa, sb = row.stats.get(a), row.stats.get(b)
        if sa is not None and sb is not None and sa.mean is not None and sb.mean is not None:
            diffs.append(sb.mean - sa.mean)
    sign = 1 if result.maximize else -1  # a "win" is a better value in the sweep's direction
    b_wins = sum(1 for d in diffs if sign * d > 0)
    a_wins = sum(1 for d in diffs if sign * d < 0)
    return PairStat(a=a, b=b, n=len(diffs), mean_diff=statistics.fmean(diffs) if diffs else None,
                    a_wins=a_wins, b_wins=b_wins, ties=len(diffs) - a_wins - b_wins,
                    p_value=sign_test(b_wins, a_wins))
