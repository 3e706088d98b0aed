"""A face.evoLVe-layout checkpoint writer, built from model_irse.py's published names and shapes.

Deliberately independent of models/irse.py: it spells out what ``Backbone([112, 112], 50, "ir")``
in face.evoLVe saves, so a renamed or reshaped module in our backbone fails the round trip.
"""

from __future__ import annotations

import pytest
import torch

# face.evoLVe get_blocks(num_layers): units per stage; channels are 64, 128, 256, 512.
EVOLVE_UNITS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 14, 3), 100: (3, 13, 30, 3)}


def _bn(prefix: str, c: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    return {
        f"{prefix}.weight": torch.rand(c, generator=gen) + 0.5,
        f"{prefix}.bias": torch.randn(c, generator=gen),
        f"{prefix}.running_mean": torch.randn(c, generator=gen),
        f"{prefix}.running_var": torch.rand(c, generator=gen) + 0.5,
        f"{prefix}.num_batches_tracked": torch.tensor(1234),
    }


def evolve_state_dict(num_layers: int = 50, seed: int = 0, with_output_layer: bool = True) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    sd: dict[str, torch.Tensor] = {"input_layer.0.weight": torch.randn(64, 3, 3, 3, generator=gen)}
    sd |= _bn("input_layer.1", 64, gen)
    sd["input_layer.2.weight"] = torch.rand(64, generator=gen)
    k, in_c = 0, 64
    for units, depth in zip(EVOLVE_UNITS[num_layers], (64, 128, 256, 512)):
        for _ in range(units):
            unit = f"body.{k}"
            if in_c != depth:  # MaxPool2d shortcut has no tensors; the projection has conv + BN
                sd[f"{unit}.shortcut_layer.0.weight"] = torch.randn(depth, in_c, 1, 1, generator=gen)
                sd |= _bn(f"{unit}.shortcut_layer.1", depth, gen)
            sd |= _bn(f"{unit}.res_layer.0", in_c, gen)
            sd[f"{unit}.res_layer.1.weight"] = torch.randn(depth, in_c, 3, 3, generator=gen)
            sd[f"{unit}.res_layer.2.weight"] = torch.rand(depth, generator=gen)
            sd[f"{unit}.res_layer.3.weight"] = torch.randn(depth, depth, 3, 3, generator=gen)
            sd |= _bn(f"{unit}.res_layer.4", depth, gen)
            k, in_c = k + 1, depth
    if with_output_layer:  # Sequential(BN2d(512), Dropout, Flatten, Linear(512*7*7, 512), BN1d(512))
        sd |= _bn("output_layer.0", 512, gen)
        sd["output_layer.3.weight"] = torch.randn(512, 512 * 7 * 7, generator=gen) * 0.01
        sd["output_layer.3.bias"] = torch.randn(512, generator=gen)
        sd |= _bn("output_layer.4", 512, gen)
    return sd


@pytest.fixture
def evolve_checkpoint():
    return evolve_state_dict
