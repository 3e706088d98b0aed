"""Sweep specs: axis expressions, grid expansion, naming, seeds, strategies; nothing written by planning."""

from __future__ import annotations

import pytest

from fertui.config import load_config
from fertui.errors import ConfigError
from fertui.sweeps.axes import parse_axis
from fertui.sweeps.expand import plan_sweep
from tests.sweeps.conftest import DEPTH_LR


def test_logspace_gives_the_notes_lr_grid_and_range_linspace_work():
    axis = parse_axis("s.toml", "optim.lr", "logspace(1e-5, 1e-3, per_decade=4)")
    assert axis.values == (1e-5, 1.8e-5, 3.2e-5, 5.6e-5, 1e-4, 1.8e-4, 3.2e-4, 5.6e-4, 1e-3)
    assert axis.log and axis.ordered
    assert parse_axis("s.toml", "model.depth", "range(2, 10, 2)").values == (2, 4, 6, 8)
    depth = parse_axis("s.toml", "model.depth", [2, 4, 6, 8])
    assert depth.integer and not depth.log
    assert parse_axis("s.toml", "train.mixup_alpha", "linspace(0, 1, 5)").values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_axis("s.toml", "optim.lr", [1e-4, 1e-3]).log  # a list spanning a decade is log-scaled


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("logspace(1e-5, 1e-3)", "sweep.axes.optim.lr: logspace takes (start, end, per_decade=n)"),
        ("logspace(-1, 1e-3, per_decade=4)", "sweep.axes.optim.lr: logspace bounds must be > 0"),
        ("exp(3)", "sweep.axes.optim.lr: unknown function 'exp'"),
        ("range(1e-5, ", "sweep.axes.optim.lr: not a valid expression"),
        ("range(-3, 2)", "sweep.axes.optim.lr[0]: expected a number > 0, got -3"),
        ("__import__('os')", "sweep.axes.optim.lr: arguments must be plain numbers"),
    ],
)
def test_bad_axis_expressions_name_the_key(space, raw, expected):
    path = space.config("bad.toml", f'[sweep.axes]\n"optim.lr" = "{raw}"\n'.replace('"' + raw + '"', repr(raw)))
    cfg = load_config(path)
    with pytest.raises(ConfigError) as info:
        plan_sweep(cfg, space.ws)
    assert expected in str(info.value) and str(path) in str(info.value)


def test_grid_expansion_names_seeds_commands_and_no_writes(space):
    path = space.config("DepthLR.toml", DEPTH_LR)
    docs = plan_sweep(load_config(path), space.ws)
    assert not (space.root / "runs").exists()  # planning writes nothing
    assert len(docs) == 2 * 5 * 2
    assert [d["params"] for d in docs[:3]] == [
        {"model.depth": 2, "optim.lr": 1e-5, "run.seed": 0},
        {"model.depth": 2, "optim.lr": 1e-5, "run.seed": 1},
        {"model.depth": 2, "optim.lr": 1.8e-5, "run.seed": 0},
    ]
    assert {d["name"] for d in docs} == {"CLSFERBaseline_depth2_SearchLR", "CLSFERBaseline_depth4_SearchLR"}
    last = docs[-1]
    assert last["command"] == ["python", "-c", "print(0.0001, 4)"]
    assert last["config"]["model"]["depth"] == 4 and last["config"]["optim"]["lr"] == 1e-4
    assert last["config"]["run"]["seed"] == 1 and "sweep" not in last["config"]
    assert all(d["sweep"] == "DepthLR" for d in docs)


def test_sweep_name_defaults_to_file_stem_and_optuna_grid_is_a_stable_shuffle(space):
    text = DEPTH_LR.replace('name = "DepthLR"', 'strategy = "optuna-grid"')
    docs = plan_sweep(load_config(space.config("my_search.toml", text)), space.ws)
    again = plan_sweep(load_config(space.config("my_search.toml", text)), space.ws)
    assert {d["sweep"] for d in docs} == {"my_search"}
    cells = [(d["params"]["model.depth"], d["params"]["optim.lr"]) for d in docs]
    assert cells == [(d["params"]["model.depth"], d["params"]["optim.lr"]) for d in again]
    grid = plan_sweep(load_config(space.config("DepthLR.toml", DEPTH_LR)), space.ws)
    assert sorted(cells) == sorted((d["params"]["model.depth"], d["params"]["optim.lr"]) for d in grid)
    assert cells != [(d["params"]["model.depth"], d["params"]["optim.lr"]) for d in grid]


def test_add_keeps_the_spec_and_one_running_trial_per_run_in_the_journal(space):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    space.config("DepthLR.toml", DEPTH_LR)
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "add", "DepthLR.toml"])
    assert result.exit_code == 0, result.output
    runs = space.runs("DepthLR")
    assert len(runs) == 20 and "CLSFERBaseline_depth4_SearchLR" in result.output
    assert space.store.get_sweep("DepthLR")["axes"][1]["values"][1] == 1.8e-5
    study = space.study("DepthLR")
    assert len(study.trials) == 20
    assert {t.user_attrs["fertui_run"]: t.number for t in study.trials} == {r["id"]: r["trial"] for r in runs}
    assert {t.state.name for t in study.trials} == {"RUNNING"}
    assert study.trials[0].distributions["optim.lr"].log
    assert not any("sweep_spec" in r for r in runs)


def test_example_sweep_configs_plan(space):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "configs" / "sweeps"
    sizes = {}
    for path in sorted(folder.glob("*.toml")):
        cfg = load_config(path, [], lambda name: {"optim.lr": 1e-4, "model.depth": 8})
        if cfg.sweep is not None:
            sizes[path.stem] = len(plan_sweep(cfg, space.ws))
    assert sizes["CLSFERBaseline_SearchDepthLR"] == 36 and sizes["CLSFER_Compare"] == 30
    assert sizes["CLSFERBaseline_WeightDecay"] == 4 and sizes["synthetic_tpe"] == 4


def test_adding_a_sweep_again_queues_only_new_values_and_seeds(space):
    space.add("DepthLR.toml", DEPTH_LR)
    wider = DEPTH_LR.replace('"model.depth" = [2, 4]', '"model.depth" = [2, 4, 6]').replace("[0, 1]", "[0, 1, 2]")
    new = [space.store.get_run(i) for i in space.add("DepthLR.toml", wider)]
    assert len(new) == 3 * 5 * 3 - 20
    assert {(r["params"]["model.depth"], r["params"]["run.seed"]) for r in new} >= {(6, 0), (2, 2)}
    assert (2, 0) not in {(r["params"]["model.depth"], r["params"]["run.seed"]) for r in new}
    assert space.store.get_sweep("DepthLR")["axes"][0]["values"] == [2, 4, 6]
    assert len(space.study("DepthLR").trials) == 45
    assert len(space.add("DepthLR.toml", wider)) == 45  # nothing new: the whole grid again


def test_adding_a_finished_sweep_again_repeats_it(space):
    first = space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    again = space.add("DepthLR.toml", DEPTH_LR)
    assert len(again) == len(first) == 20 and len(space.study("DepthLR").trials) == 40
