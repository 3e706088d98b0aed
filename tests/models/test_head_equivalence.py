"""Why the demo compares the heads at depth >= 2: at depth 1 a ViT block's CLS output *is* a
class-attention block (the CLS query attends to CLS + patches either way, and the patch tokens
the ViT block rewrites are never read again). With the heads' LayerNorm eps equal, copying one
head's weights into the other gives the same logits; from depth 2 on they differ."""

from __future__ import annotations

import pytest
import torch

from models import create_model


def _copy_vit_into_class_attention(baseline, clsfer) -> None:
    """Load BASELINE's weights into CLSFER: the fused qkv projection split into q, k and v."""
    state = {}
    for name, tensor in baseline.state_dict().items():
        if ".attn.qkv." in name:
            for part, chunk in zip("qkv", tensor.chunk(3, dim=0)):
                state[name.replace(".attn.qkv.", f".attn.{part}.")] = chunk
        elif ".attn.q_norm" in name or ".attn.k_norm" in name:
            continue  # identity norms in timm's Attention (qk_norm off): nothing to carry
        else:
            state[name] = tensor
    missing, unexpected = clsfer.load_state_dict(state, strict=False)
    assert not missing and not unexpected, (missing, unexpected)


@pytest.mark.parametrize("depth, same", [(1, True), (2, False)])
def test_the_two_heads_are_one_function_at_depth_1_only(depth, same):
    torch.manual_seed(0)
    baseline = create_model("baseline_tiny", depth=depth, num_classes=7).eval()
    clsfer = create_model("clsfer_tiny", depth=depth, num_classes=7).eval()
    _copy_vit_into_class_attention(baseline, clsfer)
    images = torch.randn(4, 3, baseline.input_size, baseline.input_size)
    with torch.no_grad():
        gap = (baseline(images) - clsfer(images)).abs().max().item()
    if same:
        assert gap < 1e-5, gap
    else:
        assert gap > 1e-3, gap
