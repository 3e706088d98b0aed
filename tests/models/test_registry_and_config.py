"""Registry errors, drop-in model files, and the ``[model]`` config section -> model mapping."""

from __future__ import annotations

import textwrap
import warnings

import pytest
import torch

import models
from fertui.config.schema import defaults
from fertui.errors import UserError
from models import _registry, build_from_config, create_model, list_models, register_model


def test_unknown_model_lists_close_names():
    with pytest.raises(UserError, match=r"unknown model 'clsfer_ir05'; did you mean .*clsfer_ir50"):
        create_model("clsfer_ir05")
    with pytest.raises(UserError, match=r"registered: .*baseline_ir50"):
        create_model("zzzzzz")


def test_unknown_kwarg_is_named():
    with pytest.raises(UserError, match=r"takes no argument 'deepth'"):
        create_model("clsfer_tiny", deepth=3)


def test_unknown_backbone_and_bad_heads_are_user_errors():
    with pytest.raises(UserError, match=r"model.backbone: unknown IR backbone 'ir77'"):
        create_model("clsfer_tiny", backbone="ir77")
    with pytest.raises(UserError, match=r"model.dim: 64 is not divisible by model.num_heads = 5"):
        create_model("clsfer_tiny", num_heads=5)
    assert create_model("baseline_tiny", backbone="IR-18", input_size=32, depth=1).backbone.name == "ir18"


def test_register_warns_on_overwrite_only_for_a_different_function(monkeypatch):
    monkeypatch.setattr(_registry, "_model_entrypoints", dict(_registry._model_entrypoints))

    def clsfer_tiny(**kwargs):
        return torch.nn.Identity()

    with pytest.warns(UserWarning, match="overwrites"):
        register_model(clsfer_tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_model(clsfer_tiny)  # the same function again (a module reload) is not a conflict


def test_a_dropped_in_model_file_is_registered_and_built_from_config(tmp_path, monkeypatch):
    monkeypatch.setattr(_registry, "_model_entrypoints", dict(_registry._model_entrypoints))
    (tmp_path / "my_fer_net.py").write_text(
        textwrap.dedent("""
        from torch import nn
        from models import register_model

        @register_model
        def my_fer_net(num_classes: int = 7, input_size: int = 112, dim: int = 0):
            net = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, num_classes))
            net.input_size = input_size
            return net
    """)
    )
    monkeypatch.setattr(models, "__path__", [*models.__path__, str(tmp_path)])
    models._import_all_model_files()
    assert "my_fer_net" in list_models()

    section = defaults()["model"] | {"name": "my_fer_net", "num_classes": 3}
    net = build_from_config(section)  # keys it does not take are dropped while at their defaults
    assert net(torch.randn(2, 3, 20, 20)).shape == (2, 3)
    with pytest.raises(UserError, match=r"^model.depth: model 'my_fer_net' does not take 'depth'"):
        build_from_config(section | {"depth": 6})
    with pytest.raises(UserError, match=r"takes no argument 'depth'; it takes: dim, input_size, num_classes"):
        create_model("my_fer_net", depth=6)


def test_readme_example_model_file(tmp_path, monkeypatch):
    monkeypatch.setattr(_registry, "_model_entrypoints", dict(_registry._model_entrypoints))
    (tmp_path / "my_wide_net.py").write_text(
        textwrap.dedent("""
        from models import register_model
        from models.fer_heads import create_fer

        @register_model
        def clsfer_ir50_wide(**kwargs):  # [model] name = "clsfer_ir50_wide"
            defaults = dict(backbone="ir50", dim=768, num_heads=12, depth=8)
            return create_fer("clsfer_ir50_wide", "class_attn", defaults, kwargs)
    """)
    )
    monkeypatch.setattr(models, "__path__", [*models.__path__, str(tmp_path)])
    models._import_all_model_files()
    section = defaults()["model"] | {"name": "clsfer_ir50_wide", "depth": 1, "input_size": 32}
    model = build_from_config(section)
    assert (model.backbone_name, model.dim, model.num_heads, model.head_block) == ("ir50", 768, 12, "class_attn")
    assert isinstance(model.proj, torch.nn.Linear)  # 512 channels -> 768


def test_a_broken_model_file_names_itself(tmp_path, monkeypatch):
    (tmp_path / "broken_net.py").write_text("raise RuntimeError('oops')\n")
    monkeypatch.setattr(models, "__path__", [str(tmp_path)])
    with pytest.raises(UserError, match=r"models/broken_net.py failed to import: RuntimeError: oops"):
        models._import_all_model_files()


def test_build_from_schema_defaults_is_the_quickstart_model():
    section = defaults()["model"]
    assert section["name"] == "clsfer_tiny"
    model = build_from_config(section)
    # dim / num_heads 0 and backbone "" fall back to the variant's own defaults.
    assert (model.backbone_name, model.dim, model.num_heads) == ("ir_tiny", 64, 4)
    assert (model.depth, model.input_size, model.feature_stage, model.num_classes) == (2, 112, 4, 7)


def test_build_from_config_passes_every_schema_key():
    section = defaults()["model"] | {
        "name": "baseline_ir18",
        "depth": 1,
        "dim": 256,
        "num_heads": 4,
        "mlp_ratio": 2.0,
        "qkv_bias": False,
        "drop_path": 0.1,
        "attn_drop": 0.1,
        "proj_drop": 0.1,
        "pos_embed": False,
        "layer_scale": 1e-4,
        "feature_stage": 3,
        "num_classes": 8,
        "input_size": 64,
    }
    model = build_from_config(section)
    block = model.blocks[0]
    assert (model.dim, model.num_heads, model.num_classes, model.feature_stage) == (256, 4, 8, 3)
    assert model.pos_embed is None and model.num_patches == 64
    assert block.attn.qkv.bias is None and block.attn.attn_drop.p == 0.1 and block.mlp.fc1.out_features == 512
    assert torch.allclose(block.ls1.gamma, torch.full((256,), 1e-4))


def test_build_from_config_requires_a_name():
    with pytest.raises(UserError, match="model.name"):
        build_from_config({"name": ""})
