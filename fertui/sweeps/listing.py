"""``fertui sweeps``: one line per sweep with its runs by state and its best value."""

from __future__ import annotations

from collections import Counter

from fertui.config import compact
from fertui.store import Store
from fertui.store_partitions import sweep_partition
from fertui.sweeps.results import observe
from fertui.sweeps.spec import SweepSpec
from fertui.sweeps.suggest import best_cell
from fertui.workspace import Workspace


def sweep_summaries(ws: Workspace) -> list[dict]:
    store = Store(ws.store_path)
    sweeps = sorted(store.sweeps(), key=lambda d: d.get("created") or 0)
    by_sweep: dict[str, list[dict]] = {}
    for run in sorted(store.rows_in([sweep_partition(d["name"]) for d in sweeps]).values(), key=lambda r: r["id"]):
        by_sweep.setdefault(run.get("sweep"), []).append(run)
    out = []
    for doc in sweeps:
        spec = SweepSpec.from_doc(doc)
        observations = [observe(ws, spec, r) for r in by_sweep.get(spec.name, [])]
        found = best_cell(spec, observations)
        axes = ", ".join(
            f"{a.key}[{len(a.values)}: {compact(a.sorted_values()[0])}..{compact(a.sorted_values()[-1])}]"
            if a.ordered
            else f"{a.key}[{len(a.values)}]"
            for a in spec.axes
        )
        out.append(
            {
                "name": spec.name,
                "strategy": spec.strategy,
                "objective": spec.objective,
                "direction": spec.direction,
                "runs": len(observations),
                "states": dict(Counter(o.status for o in observations)),
                "best": found[1] if found else None,
                "best_params": found[0] if found else None,
                "axes": axes,
                "dataset": spec.dataset,
            }
        )
    return out
