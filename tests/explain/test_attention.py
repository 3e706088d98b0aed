"""CLS attention maps: each sums to 1 over the patches and equals timm's own attention weights."""

from __future__ import annotations

import pytest
import torch

from fertui.explain.attention import cls_attention, rollout_row
from models import create_model


def timm_weights(model, images):
    """The softmax weights timm itself computes: its non-fused path passes them through
    ``attn_drop``, where a forward hook sees them."""
    seen = []
    hooks = []
    for block in model.blocks:
        block.attn.fused_attn = False
        hooks.append(block.attn.attn_drop.register_forward_hook(lambda _m, _a, out: seen.append(out)))
    with torch.no_grad():
        logits = model(images)
    for h in hooks:
        h.remove()
    return seen, logits


@pytest.mark.parametrize("name", ["clsfer_tiny", "baseline_tiny"])
def test_maps_plus_the_cls_self_weight_sum_to_one_and_match_timms_own_weights(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=7).eval()
    images = torch.randn(3, 3, model.input_size, model.input_size)
    att = cls_attention(model, images)
    n = model.num_patches
    assert att.blocks.shape == (3, model.depth, n) and att.side**2 == n
    # Nothing renormalised: the patches hold what the CLS token did not keep for itself.
    assert torch.allclose(att.blocks.sum(-1) + att.self_share, torch.ones(3, model.depth), atol=1e-5)
    assert (att.self_share > 0).all()
    assert (att.blocks >= 0).all()
    direct, logits = timm_weights(model, images)
    assert len(direct) == model.depth
    assert torch.allclose(att.logits, logits, atol=1e-5)  # the hooks changed nothing
    for d, w in enumerate(direct):
        cls_row = w[:, :, 0]  # (B, heads, 1 + N): ClassAttn's single query, or ViT's CLS row
        assert torch.allclose(att.heads[:, d], cls_row[..., 1:], atol=1e-5)
        assert torch.allclose(att.self_share[:, d], cls_row[..., 0].mean(1), atol=1e-5)
    if name.startswith("baseline"):
        assert att.rollout.shape == (3, n)
        assert torch.allclose(att.rollout.sum(-1) + att.rollout_self, torch.ones(3), atol=1e-5)
        assert (att.rollout_self > att.self_share.mean(1)).all()  # the residual keeps the CLS token on itself
    else:
        assert att.rollout is None and att.rollout_self is None


def test_rollout_of_one_block_is_half_attention_half_identity():
    a = torch.softmax(torch.randn(2, 4, 5, 5), dim=-1)
    step = 0.5 * a.mean(1) + 0.5 * torch.eye(5)
    assert torch.allclose(rollout_row([a]), step[:, 0], atol=1e-6)
    # two blocks: the second block's mixing applied after the first's
    b = torch.softmax(torch.randn(2, 4, 5, 5), dim=-1)
    step_b = 0.5 * b.mean(1) + 0.5 * torch.eye(5)
    assert torch.allclose(rollout_row([a, b]), (step_b @ step)[:, 0], atol=1e-6)
