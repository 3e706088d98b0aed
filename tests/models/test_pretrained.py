"""Loading face.evoLVe-layout IR checkpoints: every backbone tensor filled, or a clear error."""

from __future__ import annotations

import pytest
import torch

from fertui.errors import UserError
from models import build_from_config, create_model
from models.irse import create_backbone
from models.pretrained import load_backbone_checkpoint, load_backbone_state, unwrap_state_dict


def _assert_filled_from(backbone, checkpoint):
    own = backbone.state_dict()
    for key, value in own.items():
        assert key in checkpoint, f"{key} has no counterpart in the face.evoLVe layout"
        assert torch.equal(value, checkpoint[key]), f"{key} was not filled from the checkpoint"
    return own


def test_ir50_round_trip_fills_every_backbone_tensor(tmp_path, evolve_checkpoint):
    sd = evolve_checkpoint(50)
    # The published IR-50 checkpoint has 43.6 M parameters, 12.8 M of them in the face head.
    weights = [v for k, v in sd.items() if v.is_floating_point() and "running_" not in k]
    assert sum(v.numel() for v in weights) == 43_574_976
    path = tmp_path / "backbone_ir50_ms1m_epoch120.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in sd.items()}}, path)

    model = create_model("clsfer_ir50", depth=1)
    report = load_backbone_checkpoint(model, path)

    own = _assert_filled_from(model.backbone, sd)
    assert report.loaded == len(own)
    assert report.ignored and all(k.startswith("output_layer.") for k in report.ignored)
    assert len(report.ignored) == 12  # output_layer.{0,4} BN (5 each) + output_layer.3 weight/bias


@pytest.mark.parametrize("wrap", ["bare", "state_dict", "module", "module_module"])
def test_accepted_checkpoint_shapes(tmp_path, evolve_checkpoint, wrap):
    sd = evolve_checkpoint(18, seed=1)
    obj = {
        "bare": sd,
        "state_dict": {"state_dict": sd, "epoch": 3},
        "module": {f"module.{k}": v for k, v in sd.items()},
        "module_module": {f"module.module.{k}": v for k, v in sd.items()},
    }[wrap]
    path = tmp_path / "ir18.pth"
    torch.save(obj, path)
    backbone = create_backbone("ir18")
    load_backbone_checkpoint(backbone, path)
    _assert_filled_from(backbone, sd)


def test_stage3_model_ignores_stage4_units(evolve_checkpoint):
    sd = evolve_checkpoint(18, seed=2)
    model = create_model("baseline_ir18", feature_stage=3, depth=1)
    report = load_backbone_state(model, sd)
    _assert_filled_from(model.backbone, sd)
    assert any(k.startswith("body.6.") for k in report.ignored)  # IR-18 stage 4 = units 6 and 7
    assert any(k.startswith("body.7.") for k in report.ignored)


def test_old_checkpoint_without_batch_counters_loads(evolve_checkpoint):
    sd = {k: v for k, v in evolve_checkpoint(18).items() if not k.endswith("num_batches_tracked")}
    report = load_backbone_state(create_backbone("ir18"), sd)
    assert report.kept_counters and all(k.endswith("num_batches_tracked") for k in report.kept_counters)


def test_wrong_shape_names_the_tensor_and_both_shapes(evolve_checkpoint):
    sd = evolve_checkpoint(18)
    sd["body.2.res_layer.1.weight"] = torch.zeros(128, 64, 5, 5)  # first unit of stage 2
    with pytest.raises(UserError) as err:
        load_backbone_state(create_backbone("ir18"), sd, source="ir18.pth")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("ir18.pth: does not fit the ir18 backbone (feature stage 4): ")
    assert "1 with wrong shape" in msg
    assert "body.2.res_layer.1.weight: file [128, 64, 5, 5] vs model [128, 64, 3, 3]" in msg


def test_wrong_depth_checkpoint_lists_missing_and_unexpected(evolve_checkpoint):
    # An IR-50 file into an IR-18 backbone: stage widths differ and units are left over.
    with pytest.raises(UserError) as err:
        load_backbone_state(create_backbone("ir18"), evolve_checkpoint(50))
    msg = str(err.value)
    assert "unexpected (body." in msg and "with wrong shape" in msg and " more)" in msg
    assert "the file has 24 body units, this backbone 8" in msg


def test_renamed_keys_are_reported_not_skipped(evolve_checkpoint):
    sd = {k.replace("res_layer", "res"): v for k, v in evolve_checkpoint(18).items()}
    with pytest.raises(UserError) as err:
        load_backbone_state(create_backbone("ir18"), sd)
    msg = str(err.value)
    assert "missing (body.0.res_layer.0.weight" in msg
    assert "unexpected (body.0.res.0.bias" in msg


def test_a_model_without_ir_backbone_is_refused(evolve_checkpoint):
    with pytest.raises(UserError, match="no IR backbone"):
        load_backbone_state(torch.nn.Linear(2, 2), evolve_checkpoint(18))


def test_not_a_state_dict(tmp_path):
    with pytest.raises(UserError, match="expected a state dict"):
        unwrap_state_dict({"epoch": 3}, "x.pth")
    path = tmp_path / "junk.pth"
    path.write_text("not a torch file")
    with pytest.raises(UserError, match="junk.pth: cannot read"):
        load_backbone_checkpoint(create_backbone("ir_tiny"), path)


def test_config_pretrained_loads_and_missing_file_names_the_key(tmp_path, evolve_checkpoint):
    sd = evolve_checkpoint(18, seed=3)
    path = tmp_path / "ir18.pth"
    torch.save(sd, path)
    section = {"name": "clsfer_ir18", "depth": 1, "input_size": 32, "pretrained": str(path)}
    model = build_from_config(section)
    _assert_filled_from(model.backbone, sd)
    assert model.pretrained_report.loaded > 0

    with pytest.raises(UserError, match=r"^model\.pretrained: .*nope\.pth"):
        build_from_config({**section, "pretrained": str(tmp_path / "nope.pth")})
