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


def test_the_queued_line_puts_each_axis_on_its_own_line_when_it_would_wrap(tmp_path, monkeypatch):
    sweep = tmp_path / "wide.toml"
    sweep.write_text(
        QUICKSTART.read_text().replace(
            '"optim.lr" = [3e-4, 1e-3]',
            '"optim.lr" = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2]\n"optim.weight_decay" = [0.0, 0.01, 0.05]',
        )
    )
    wide = cli(tmp_path, "add", str(sweep)).splitlines()[0]
    assert wide.startswith("sweep quickstart: 42 runs: model.depth ∈ {1, 2} × optim.lr") and len(wide) > 80
    monkeypatch.setenv("COLUMNS", "80")
    (tmp_path / "narrow").mkdir()
    lines = cli(tmp_path / "narrow", "add", str(sweep)).splitlines()
    assert lines[:4] == [
        "sweep quickstart: 42 runs:",
        "  model.depth ∈ {1, 2}",
        "  × optim.lr ∈ {1e-5, 3e-5, 1e-4, …, 3e-3, 0.01}",
        "  × optim.weight_decay ∈ {0, 0.01, 0.05}",
    ]
