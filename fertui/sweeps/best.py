"""The best finished run of a sweep, as a flat config: the base of the next stage.

``base = "best-of:OTHER_SWEEP"`` in a config starts from it (the notes' workflow: paper
defaults, then the optimiser, then the architecture with an LR grid, then weight decay).
"""

from __future__ import annotations

from typing import Any

from fertui.errors import UserError
from fertui.metrics import rank_key
from fertui.sweeps.cells import best_cell
from fertui.sweeps.results import flat_config, sweep_observations
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace


def best_run(ws: Workspace, sweep_name: str) -> dict:
    """The best run of the best cell (cells ranked by their mean over seeds)."""
    spec = require_spec(ws, sweep_name)
    observations, _ = sweep_observations(ws, spec)
    direction = spec.metric_direction(None)[1]
    found = best_cell(observations, direction)
    if found is None:
        states = sorted({o.status for o in observations}) or ["no runs"]
        raise UserError(
            f"sweep '{sweep_name}' has no finished run with {spec.objective} yet (its runs are: {', '.join(states)})"
        )
    in_cell = [o for o in observations if o.run_id in found.run_ids and o.value is not None]
    return min(in_cell, key=lambda o: rank_key(direction)(o.value)).run


def best_config(ws: Workspace, sweep_name: str) -> dict[str, Any]:
    """Flat dotted config (``optim.lr`` -> 1e-4, ...) of SWEEP_NAME's best finished run."""
    return flat_config(best_run(ws, sweep_name))
