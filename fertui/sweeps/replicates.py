"""Queue more seeds of the cells a comparison turns on (``fertui compare --enqueue``).

Without seed noise fit to plan by (one seed per cell, or a seed noise measured on too few df)
the deciding cells, the best across-value of each compared setting, get seeds up to MIN_SEEDS;
with a plan at the smallest effect of interest that seeds can reach, every paired cell gets the
seeds the plan asks for (that is what the power figure assumes). The sweep's own seed list is
left as it is, so adding the sweep again does not spread the replicates over the whole grid.

enqueue_advice is the one rule: the planning line prints ``--enqueue`` exactly where it holds,
so printed advice is never refused. It reads the interval the verdict was judged on (the widest
there is, PairStat.judged): once that excludes 0 or lies inside ±effect, more seeds would not
change what the verdict says.
"""

from __future__ import annotations

from collections import defaultdict

from fertui.errors import UserError
from fertui.sweeps.compare import Comparison, PairStat
from fertui.sweeps.results import sweep_observations
from fertui.sweeps.spec import cell_of, require_spec
from fertui.workspace import Workspace

MIN_SEEDS = 3
MAX_SEEDS_QUEUED = 10  # per cell: beyond this the answer is "more LR values", not more seeds
DECIDING, PLANNED = "deciding", "planned"


def enqueue_advice(pair: PairStat) -> tuple[str, int] | None:
    """What --enqueue does for PAIR: (DECIDING, MIN_SEEDS) replicates each setting's best cell,
    seed noise being unknown or too rough to plan by; (PLANNED, n) brings every paired cell to n
    seeds, the plan's count capped at MAX_SEEDS_QUEUED; None: seeds would not change the verdict
    (it is settled) or cannot (the plan says why), or the cells already have them."""
    plan = pair.plan
    if plan is None or plan.replicate_first:
        return DECIDING, MIN_SEEDS
    if plan.seeds_needed is None or pair.settled:
        return None
    target = min(plan.seeds_needed, MAX_SEEDS_QUEUED)
    return (PLANNED, target) if target > pair.seeds[0] else None


def replicate_plan(ws: Workspace, cmp: Comparison) -> list[tuple[dict, int]]:
    """(cell, seed) pairs to queue, in cell order."""
    spec = require_spec(ws, cmp.sweep)
    observations, _ = sweep_observations(ws, spec)
    seeds = defaultdict(set)
    for o in observations:
        if o.status != "cancelled" and not o.variant:  # replicates are queued with the sweep's own setting
            seeds[o.cell_key].add(o.seed)
    advice = [a for a in map(enqueue_advice, cmp.pairs) if a is not None]
    planned = [target for kind, target in advice if kind == PLANNED]
    if planned:
        target = max(planned)
        cells = [s for row in cmp.rows for s in row.stats.values() if s.mean is not None]
    elif advice:
        cells, target = list(cmp.deciding_cells().values()), MIN_SEEDS
    else:
        return []
    plan = []
    for stats in cells:
        cell = {a.key: stats.params.get(a.key) for a in spec.axes}
        have = seeds[cell_of(spec, cell)]
        new, candidate = [], 0
        while len(have) + len(new) < target:
            if candidate not in have:
                new.append(candidate)
            candidate += 1
        plan += [(cell, seed) for seed in new]
    return plan


def enqueue_replicates(ws: Workspace, cmp: Comparison) -> list[str]:
    from fertui.plan import enqueue

    spec = require_spec(ws, cmp.sweep)
    plan = replicate_plan(ws, cmp)
    if not plan:
        raise UserError(
            f"sweep '{cmp.sweep}': nothing to queue: the cells already have or have queued "
            "the seeds asked for, or more seeds alone would not resolve the difference"
        )
    docs = []
    for cell, seed in plan:
        docs.append(spec.cell_doc(cell, seed))
    return enqueue(ws, docs)
