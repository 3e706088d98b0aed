"""Disk: du per sweep and run, clean --keep-best on a real 4-run trainer sweep, the retention
policy of best.pt/last.pt, and a cleaned run that says so instead of failing."""

from __future__ import annotations

import json
import textwrap

import pytest
import torch
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import Store

pytestmark = pytest.mark.slow

SWEEP = """
    [run]
    name = "tiny_lr{optim.lr}"
    [model]
    name = "clsfer_tiny"
    depth = 1
    input_size = 32
    [data]
    name = "synthetic"
    synthetic_train = 96
    synthetic_test = 42
    batch_size = 32
    [train]
    epochs = 1
    threads = 1
    [sweep]
    name = "disk"
    [sweep.axes]
    "optim.lr" = [5e-4, 1e-3, 2e-3, 4e-3]
"""


def _cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk")
    (root / "configs").mkdir()
    (root / "configs" / "disk.toml").write_text(textwrap.dedent(SWEEP))
    result = _cli(root, "run", str(root / "configs" / "disk.toml"))
    assert result.exit_code == 0, result.output
    return root


def test_clean_keep_best_frees_the_others_and_the_best_still_explains(swept):
    store = Store(swept / "runs" / "fertui.json")
    runs = store.sweep_runs("disk")
    assert [r["status"] for r in runs] == ["done"] * 4
    best = max(runs, key=lambda r: r["summary"]["best"]["val/acc"])
    before = {row["label"][:5]: row for row in json.loads(_cli(swept, "du", "disk", "--json").stdout)}
    assert all(row["checkpoints"] > 0 for row in before.values())
    state = torch.load(swept / "runs" / best["id"] / "checkpoints" / "best.pt", weights_only=False)
    assert "model" in state and "optimizer" not in state  # save_optimizer = false: weights only
    assert "optimizer" in torch.load(swept / "runs" / best["id"] / "checkpoints" / "last.pt", weights_only=False)

    dry = _cli(swept, "clean", "--keep-best", "1")
    assert dry.exit_code == 0 and "would remove" in dry.output and "add --yes" in dry.output
    assert (swept / "runs" / runs[0]["id"] / "checkpoints").exists() or best["id"] == runs[0]["id"]
    done = _cli(swept, "clean", "--keep-best", "1", "--yes")
    assert done.exit_code == 0 and "removed" in done.output and "3 run(s)" in done.output
    after = {row["label"][:5]: row for row in json.loads(_cli(swept, "du", "disk", "--json").stdout)}
    assert after[best["id"]]["checkpoints"] == before[best["id"]]["checkpoints"]
    assert all(after[i]["checkpoints"] == 0 for i in after if i != best["id"])
    assert all(after[i]["logs"] == before[i]["logs"] for i in after)  # curves stay

    assert _cli(swept, "show", best["id"], "--classes").exit_code == 0
    assert _cli(swept, "explain", best["id"], "-n", "1").exit_code == 0
    other = next(r for r in runs if r["id"] != best["id"])
    assert _cli(swept, "show", other["id"], "--classes").exit_code == 0  # its confusion matrices stay
    refused = _cli(swept, "explain", other["id"])
    assert refused.exit_code == 2 and "were removed by `fertui clean`" in refused.output
    shown = " ".join(_cli(swept, "show", other["id"]).output.split())  # Rich folds long values
    assert "removed by `fertui clean`" in shown


def test_clean_says_what_to_choose_and_never_touches_active_runs(tmp_path):
    result = _cli(tmp_path, "clean")
    assert result.exit_code == 2 and "--lost, --failed and/or --keep-best" in result.output


def test_keep_best_drops_last_pt_when_the_run_ends(tmp_path):
    one_run = textwrap.dedent(SWEEP).split("[sweep]")[0].replace("threads = 1", 'threads = 1\nkeep = "best"')
    (tmp_path / "one.toml").write_text(one_run)
    result = _cli(tmp_path, "run", str(tmp_path / "one.toml"))
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "runs").glob("0*/checkpoints"))
    assert (folder / "best.pt").exists() and not (folder / "last.pt").exists()
