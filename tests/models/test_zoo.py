"""Every registered model: output shape, no NaN, parameter count in its expected range."""

from __future__ import annotations

import pytest
import torch

from models import create_model, list_models
from models.counting import count_params
from models.irse import bottleneck_IR, create_backbone

# Million parameters at each model's defaults (7 classes, 112 input, depth 8, dim 512; tiny: 48, depth 2).
EXPECTED_PARAMS_M = {
    "baseline_ir18": (36.3, 36.5),
    "clsfer_ir18": (36.3, 36.5),
    "baseline_ir34": (46.4, 46.6),
    "clsfer_ir34": (46.4, 46.6),
    "baseline_ir50": (55.9, 56.0),
    "clsfer_ir50": (55.9, 56.0),
    "baseline_ir100": (77.4, 77.6),
    "clsfer_ir100": (77.4, 77.6),
    "baseline_tiny": (0.3, 0.5),
    "clsfer_tiny": (0.3, 0.5),
}
SMALL_INPUT = 32  # stage 4 = 2x2 tokens: the cheapest input every IR trunk accepts with batch 2


def test_builtin_variants_are_registered():
    assert set(EXPECTED_PARAMS_M) <= set(list_models())
    assert list_models("clsfer_*") == sorted(n for n in list_models() if n.startswith("clsfer_"))


@pytest.mark.parametrize("name", list_models())
def test_every_model_defaults_and_small_forward(name):
    torch.manual_seed(0)
    with torch.device("meta"):  # the count needs shapes only; meta allocates no weights
        params_m = count_params(create_model(name)) / 1e6
    lo, hi = EXPECTED_PARAMS_M.get(name, (0.001, 500.0))
    assert lo <= params_m <= hi, f"{name}: {params_m:.3f} M params outside [{lo}, {hi}]"

    model = create_model(name, input_size=SMALL_INPUT, num_classes=5).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, SMALL_INPUT, SMALL_INPUT))
    assert out.shape == (2, 5)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["baseline_ir50", "clsfer_ir50", "clsfer_ir100"])
def test_full_size_forward_at_112(name):
    model = create_model(name, depth=2).eval()
    with torch.no_grad():
        feats = model.forward_features(torch.randn(1, 3, 112, 112))
        logits = model.forward_head(feats)
    assert feats.shape == (1, 1 + 49, 512)  # CLS + 7x7 stage-4 tokens
    assert logits.shape == (1, 7) and torch.isfinite(logits).all()
    assert model.forward_head(feats, pre_logits=True).shape == (1, 512)


@pytest.mark.parametrize("stage,channels,side", [(3, 256, 14), (4, 512, 7)])
def test_ir50_feature_maps_at_112(stage, channels, side):
    backbone = create_backbone("ir50", feature_stage=stage).eval()
    assert len(backbone.body) == (21 if stage == 3 else 24)
    with torch.no_grad():
        fmap = backbone(torch.randn(1, 3, 112, 112))
    assert fmap.shape == (1, channels, side, side)


def test_ir_unit_layout_matches_face_evolve():
    body = create_backbone("ir50").body
    first, widen, plain = body[0], body[3], body[4]
    assert isinstance(first, bottleneck_IR)
    assert isinstance(first.shortcut_layer, torch.nn.MaxPool2d) and first.shortcut_layer.stride == 2
    assert isinstance(widen.shortcut_layer, torch.nn.Sequential)  # 64 -> 128: conv1x1 + BN
    assert widen.shortcut_layer[0].stride == (2, 2)
    # The stride sits on the second 3x3 conv (.3), never the first (.1).
    assert widen.res_layer[1].stride == (1, 1) and widen.res_layer[3].stride == (2, 2)
    assert plain.res_layer[3].stride == (1, 1) and plain.shortcut_layer.stride == 1
    names = [type(m).__name__ for m in widen.res_layer]
    assert names == ["BatchNorm2d", "Conv2d", "PReLU", "Conv2d", "BatchNorm2d"]


@pytest.mark.parametrize("name", ["baseline_tiny", "clsfer_tiny", "clsfer_ir18"])
@pytest.mark.parametrize("stage", [3, 4])
def test_stage3_and_stage4_features(name, stage):
    input_size = 48 if "tiny" in name else SMALL_INPUT
    model = create_model(name, feature_stage=stage, depth=1, input_size=input_size).eval()
    side = -(-input_size // 2**stage)
    assert model.num_patches == side * side
    with torch.no_grad():
        out = model.forward_features(torch.randn(2, 3, input_size, input_size))
    assert out.shape == (2, 1 + side * side, model.dim)


@pytest.mark.parametrize("name", ["baseline_tiny", "clsfer_tiny"])
def test_tiny_models_learn_a_fixed_batch(name):
    torch.manual_seed(0)
    model = create_model(name, depth=1, drop_path=0.1, layer_scale=0.1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    x, y = torch.randn(16, 3, 48, 48), torch.arange(16) % 7
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_clsfer_updates_only_the_cls_token():
    model = create_model("clsfer_tiny", depth=2).eval()
    x = torch.randn(1, 3, 48, 48)
    with torch.no_grad():
        patches = model.tokens(x)
        feats = model.forward_features(x)
    # Patch tokens reach the final norm untouched by the class-attention blocks.
    assert torch.allclose(feats[:, 1:], model.norm(patches), atol=1e-6)


def test_options_change_the_architecture():
    plain = create_model("baseline_tiny")
    assert plain.pos_embed is not None and isinstance(plain.proj, torch.nn.Linear)  # 128 ch -> dim 64
    assert create_model("baseline_tiny", pos_embed=False).pos_embed is None
    assert isinstance(create_model("baseline_tiny", dim=128, num_heads=4).proj, torch.nn.Identity)
    deeper = create_model("clsfer_tiny", depth=3, mlp_ratio=2.0, qkv_bias=False, layer_scale=1e-5)
    assert len(deeper.blocks) == 3
    assert deeper.blocks[0].attn.q.bias is None
    assert deeper.blocks[0].mlp.fc1.out_features == 128
    assert torch.allclose(deeper.blocks[0].ls1.gamma, torch.full((64,), 1e-5))
