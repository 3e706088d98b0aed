"""Queue more seeds of the cells a comparison turns on (``fertui compare --enqueue``).

Without seed noise fit to plan by (one seed per cell, or a seed noise measured on too few df)
the deciding cells, the best across-value of each compared setting, get seeds up to MIN_SEEDS;
with a plan at the smallest effect of interest that seeds can reach, every paired cell gets the
seeds the plan asks for (that is what the power figure assumes). The sweep's own seed list is left as it is, so adding the sweep again does
not spread the replicates over the whole grid.
"""

from __future__ import annotations

from collections import defaultdict

from fertui.errors import UserError
from fertui.sweeps.compare import Comparison
from fertui.sweeps.results import sweep_observations
from fertui.sweeps.spec import cell_of, require_spec
from fertui.workspace import Workspace

MIN_SEEDS = 3
MAX_SEEDS_QUEUED = 10  # per cell: beyond this the answer is "more LR values", not more seeds


def replicate_plan(ws: Workspace, cmp: Comparison) -> list[tuple[dict, int]]:
    """(cell, seed) pairs to queue, in cell order."""
    spec = require_spec(ws, cmp.sweep)
    observations, _ = sweep_observations(ws, spec)
    seeds = defaultdict(set)
    for o in observations:
        if o.status != "cancelled" and not o.variant:  # replicates are queued with the sweep's own setting
            seeds[o.cell_key].add(o.seed)
    if not any(p.plan is not None and p.plan.power_now is not None for p in cmp.pairs):
        cells, target = list(cmp.deciding_cells().values()), MIN_SEEDS
    else:
        needed = [
            p.seeds_needed
            for p in cmp.pairs
            if p.seeds_needed is not None and p.fit is not None and not p.fit.excludes_zero
        ]
        if not needed:
            return []
        target = min(max(needed), MAX_SEEDS_QUEUED)
        cells = [s for row in cmp.rows for s in row.stats.values() if s.mean is not None]
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
