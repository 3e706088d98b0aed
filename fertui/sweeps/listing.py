"""``fertui sweeps``: one line per sweep with its runs by state and its best value."""

from __future__ import annotations

from collections import Counter

from fertui.config import compact
from fertui.store import Store
from fertui.sweeps.results import observe
from fertui.sweeps.spec import SweepSpec
from fertui.sweeps.suggest import best_cell
from fertui.workspace import Workspace


def sweep_summaries(ws: Workspace) -> list[dict]:
    store = Store(ws.store_path)
    runs = store.runs()
    out = []
    for doc in sorted(store.sweeps(), key=lambda d: d.get("created") or 0):
        spec = SweepSpec.from_doc(doc)
        observations = [observe(ws, spec, r) for r in runs if r.get("sweep") == spec.name]
        found = best_cell(spec, observations)
        axes = ", ".join(f"{a.key}[{len(a.values)}: {compact(a.sorted_values()[0])}..{compact(a.sorted_values()[-1])}]"
                         if a.ordered else f"{a.key}[{len(a.values)}]" for a in spec.axes)
        out.append({"name": spec.name, "strategy": spec.strategy, "objective": spec.objective,
                    "direction": spec.direction, "runs": len(observations),
                    "states": dict(Counter(o.status for o in observations)),
                    "best": found[1] if found else None, "best_params": found[0] if found else None,
                    "axes": axes, "dataset": spec.dataset})
    return out
