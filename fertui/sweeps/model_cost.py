"""Parameters and GMACs of the exact model a run trained (its ``[model]`` section), counted the
way ``fertui models`` counts a registered model: built on the meta device, no weights allocated.

For the paper table when no benchmark row matches the run's configuration; imports torch, so
only ``export --paper`` pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelCost:
    params_m: float
    gmacs: float
    input_size: int


def model_cost(model_section: dict[str, Any]) -> ModelCost | None:
    """The cost of MODEL_SECTION's model; None when it cannot be built (not a zoo model)."""
    import torch  # the zoo and the counter need it; callers are export paths only

    from fertui.errors import UserError
    from models import build_from_config
    from models.counting import count_gmacs, count_params

    section = {k: v for k, v in model_section.items() if k != "pretrained"}  # weights do not change the count
    try:
        with torch.device("meta"):
            model = build_from_config(section)
    except (UserError, KeyError, TypeError, ValueError, RuntimeError):
        return None
    input_size = int(getattr(model, "input_size", 112))
    return ModelCost(round(count_params(model) / 1e6, 4), round(count_gmacs(model, input_size), 4), input_size)
