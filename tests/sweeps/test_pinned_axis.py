"""`--set` on a swept key pins that axis (a Hydra-style override), and `add` says what it queued."""

import json
from pathlib import Path

from typer.testing import CliRunner

from fertui.cli.main import app

QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.toml"


def cli(ws, *args):
    result = CliRunner().invoke(app, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_set_on_a_swept_key_queues_only_the_pinned_cells(tmp_path):
    out = cli(tmp_path, "add", str(QUICKSTART), "--set", "model.depth=1")
    assert out.splitlines()[0] == "sweep quickstart: 2 runs: model.depth=1 × optim.lr ∈ {3e-4, 1e-3}"
    runs = json.loads(cli(tmp_path, "ls", "--json"))
    assert sorted((r["params"]["model.depth"], r["params"]["optim.lr"]) for r in runs) == [(1, 3e-4), (1, 1e-3)]
    assert {r["config"]["model"]["depth"] for r in runs} == {1}


def test_pinning_every_axis_queues_one_run_with_the_given_values(tmp_path):
    out = cli(tmp_path, "add", str(QUICKSTART), "--set", "model.depth=3", "--set", "optim.lr=5e-4")
    assert out.splitlines()[0] == "sweep quickstart: 1 run: model.depth=3 × optim.lr=5e-4"
    (run,) = json.loads(cli(tmp_path, "ls", "--json"))
    assert run["params"] == {"model.depth": 3, "optim.lr": 5e-4, "run.seed": 0}
    assert run["config"]["optim"]["lr"] == 5e-4 and run["name"] == "quickstart_depth3_lr5e-4"


def test_a_set_of_an_unswept_key_leaves_the_grid_whole(tmp_path):
    out = cli(tmp_path, "add", str(QUICKSTART), "--set", "train.epochs=1")
    assert out.splitlines()[0] == "sweep quickstart: 4 runs: model.depth ∈ {1, 2} × optim.lr ∈ {3e-4, 1e-3}"
    assert {r["config"]["train"]["epochs"] for r in json.loads(cli(tmp_path, "ls", "--json"))} == {1}
