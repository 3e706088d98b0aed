"""fertui explain on a real trained run: the trainer's best.pt, the synthetic validation faces."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.config import load_config
from fertui.plan import enqueue, plan_runs
from fertui.workspace import open_workspace
from tests.train.trainjob import run_job, stdout_of

pytestmark = pytest.mark.slow

CONFIG = """
    [model]
    name = "{model}"
    depth = 2
    input_size = 32
    [data]
    name = "synthetic"
    synthetic_train = 96
    synthetic_test = 42
    batch_size = 32
    [optim]
    lr = 2e-3
    [train]
    epochs = 1
    log_every = 1
    threads = 1
"""


@pytest.fixture(scope="module", params=["clsfer_tiny", "baseline_tiny"])
def trained(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    (root / "configs").mkdir()
    path = root / "configs" / "tiny.toml"
    path.write_text(textwrap.dedent(CONFIG.format(model=request.param)))
    ws = open_workspace(root)
    (run_id,) = enqueue(ws, plan_runs(load_config(path, []), ws))
    run_dir = ws.run_dir(run_id)
    assert run_job(run_dir) == 0, stdout_of(run_dir)
    return root, run_id, request.param


def test_explain_writes_blocks_png_and_maps_that_sum_to_one_with_the_cls_self_weight(trained):
    root, run_id, model = trained
    result = CliRunner().invoke(app, ["--workspace", str(root), "explain", run_id, "--images", "3", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (root / "runs" / run_id / "explain" / "attention_blocks.png").read_bytes()[:4] == b"\x89PNG"
    maps = json.loads((root / "runs" / run_id / "explain" / "attention.json").read_text())
    assert maps["side"] == doc["side"] and len(maps["class_means"]) == 7
    for name, amap in maps["class_means"].items():
        assert np.asarray(amap).shape == (doc["side"], doc["side"])
        assert 0 < maps["class_cls_self"][name] < 1 and abs(np.sum(amap) + maps["class_cls_self"][name] - 1) < 1e-5
    assert len(maps["block_cls_self"]) == 2 and doc["block_cls_self"] == maps["block_cls_self"]
    assert maps["kind"] == ("class attention" if model.startswith("clsfer") else "self-attention")
    assert sum(maps["class_counts"].values()) == 42  # every validation image in the means


def test_explain_per_class_rows(trained):
    root, run_id, _ = trained
    args = ["--workspace", str(root), "explain", run_id, "--images", "2", "--per-class", "--format", "png,pdf,svg"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Surprise" in result.output or "peak at patch" in result.output
    folder = root / "runs" / run_id / "explain"
    assert (folder / "attention_per_class.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "attention_per_class.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in (folder / "attention_per_class.svg").read_bytes()[:2000]
    for suffix in ("png", "pdf", "svg"):  # every file written is named, not only the first
        assert str(folder / f"attention_per_class.{suffix}") in result.output


def test_explain_without_a_checkpoint_is_a_user_error(tmp_path):
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs" / "tiny.toml"
    path.write_text(textwrap.dedent(CONFIG.format(model="clsfer_tiny")))
    ws = open_workspace(tmp_path)
    (run_id,) = enqueue(ws, plan_runs(load_config(path, []), ws))
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "explain", run_id])
    assert result.exit_code == 2 and "no best checkpoint" in result.output
