"""Parameters and GMACs (multiply-adds, what FER papers call "FLOPs") of registered models.

GMACs = ``torch.utils.flop_counter.FlopCounterMode`` total / 2 for one image at the model's
default input. Models are built on the meta device, so counting allocates no weights.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from models._registry import create_model, list_models, model_entrypoint

# Rows at default settings, per entry point, for this process only (the console asks repeatedly).
_default_rows: dict[tuple[str, Any], dict[str, Any]] = {}


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@contextmanager
def _unfused_attention(model: nn.Module) -> Iterator[None]:
    # The CPU fused-attention kernel has no FLOP formula; the explicit q@k / attn@v matmuls do,
    # so the count is the same on every device.
    fused = [m for m in model.modules() if getattr(m, "fused_attn", False)]
    for m in fused:
        m.fused_attn = False
    try:
        yield
    finally:
        for m in fused:
            m.fused_attn = True


def count_gmacs(model: nn.Module, input_size: int, batch: int = 1) -> float:
    """Multiply-adds in one forward pass of ``batch`` images of input_size x input_size, in G."""
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        with _unfused_attention(model), FlopCounterMode(display=False) as counter:
            model(torch.zeros(batch, 3, input_size, input_size, device=device))
    finally:
        model.train(was_training)
    return counter.get_total_flops() / 2 / 1e9


def describe(name: str, **kwargs: Any) -> dict[str, Any]:
    """One row of ``fertui models``: name, params_m, gmacs, input_size and the architecture's settings."""
    with torch.device("meta"):
        model = create_model(name, **kwargs)
    input_size = int(getattr(model, "input_size", 112))
    row: dict[str, Any] = {
        "name": name,
        "params_m": round(count_params(model) / 1e6, 4),
        "gmacs": round(count_gmacs(model, input_size), 4),
        "input_size": input_size,
    }
    for attr in (
        "backbone_name",
        "feature_stage",
        "head_block",
        "depth",
        "dim",
        "num_heads",
        "num_patches",
        "num_classes",
    ):
        if hasattr(model, attr):
            row["backbone" if attr == "backbone_name" else attr] = getattr(model, attr)
    return row


def describe_all() -> list[dict[str, Any]]:
    rows = []
    for name in list_models():
        key = (name, model_entrypoint(name))  # a re-registered function is counted afresh
        if key not in _default_rows:
            _default_rows[key] = describe(name)
        rows.append(dict(_default_rows[key]))
    return rows
