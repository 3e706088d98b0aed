"""Params / GMACs against the research notes, and ``fertui models``."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from fertui.cli.main import app
from models import create_model, list_models
from models.counting import count_gmacs, count_params, describe

# The notes' efficiency table (IR50 stage 4, dim 512, 8 heads, mlp_ratio 4, qkv_bias, 7 classes, 112 input).
NOTES = {"baseline_ir50": (55.954, 7.594, 0.02), "clsfer_ir50": (55.955, 6.385, 0.03)}


@pytest.mark.parametrize("name", sorted(NOTES))
def test_depth8_models_match_the_research_notes(name):
    params_m, gmacs, gmacs_tol = NOTES[name]
    row = describe(name)
    assert (row["depth"], row["dim"], row["num_heads"], row["input_size"]) == (8, 512, 8, 112)
    assert row["params_m"] == pytest.approx(params_m, rel=0.001)
    assert row["gmacs"] == pytest.approx(gmacs, rel=gmacs_tol)


def test_class_attention_is_cheaper_by_the_patch_token_work():
    base, cls = describe("baseline_ir50"), describe("clsfer_ir50")
    assert base["params_m"] == cls["params_m"]  # same weights, only what they are applied to differs
    # Per block the ViT block runs every linear layer on 50 tokens; class attention runs only k/v on them.
    saved_per_block = (base["gmacs"] - cls["gmacs"]) / 8
    assert saved_per_block == pytest.approx(0.131, rel=0.01)


def test_meta_count_equals_real_count():
    torch.manual_seed(0)
    real = create_model("clsfer_tiny")
    with torch.device("meta"):
        meta = create_model("clsfer_tiny")
    assert count_params(real) == count_params(meta)
    assert count_gmacs(real, 48) == pytest.approx(count_gmacs(meta, 48))
    assert real.training  # counting must not leave the model in eval mode


def test_gmacs_grow_linearly_with_depth():
    g = [describe("baseline_tiny", depth=d)["gmacs"] for d in (1, 2, 3)]
    assert g[2] - g[1] == pytest.approx(g[1] - g[0], rel=1e-3)
    assert g[1] > g[0]


def test_cli_models_json_and_table(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["--workspace", str(tmp_path), "models", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [r["name"] for r in listed] == list_models()
    for r in listed:  # describe_all() rows, as the CLI contract needs them
        assert {"name", "params_m", "gmacs", "input_size"} <= set(r)
        assert r["params_m"] > 0 and r["gmacs"] > 0
    rows = {r["name"]: r for r in listed}
    assert rows["clsfer_ir50"]["params_m"] == pytest.approx(55.955, rel=0.001)
    assert rows["clsfer_tiny"]["input_size"] == 48

    result = runner.invoke(app, ["--workspace", str(tmp_path), "models"])
    assert result.exit_code == 0, result.output
    assert "baseline_ir50" in result.stdout and "GMACs" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if ln.strip().startswith("clsfer_ir50 "))
    assert "55.977" in line and "6.515" in line and "112" in line
