"""Optuna underneath: tell on finish (twice is harmless), stale trials after a crash, pruning,
tpe top-ups within the budget, and staged studies with base = "best-of:SWEEP"."""

from __future__ import annotations

import math

from fertui.config import load_config
from fertui.sweeps.best import best_config
from fertui.sweeps.lifecycle import report_epoch, run_finished
from tests.sweeps.conftest import DEPTH_LR, accuracy


def test_finished_runs_are_told_with_the_right_states_and_twice_is_harmless(space):
    space.add("DepthLR.toml", DEPTH_LR)
    runs = space.runs()
    space.finish(runs[0]["id"], "done", 84.5)
    space.finish(runs[1]["id"], "nan")
    space.finish(runs[2]["id"], "pruned", 60.0, pruned_epoch=2)
    space.finish(runs[3]["id"], "failed")
    space.finish(runs[4]["id"], "done")  # finished without ever reporting the objective
    run_finished(space.ws, space.store.get_run(runs[0]["id"]))  # again: no change, no error
    study = space.study("DepthLR")
    states = {t.user_attrs["fertui_run"]: t.state.name for t in study.trials}
    assert [states[r["id"]] for r in runs[:6]] == ["COMPLETE", "FAIL", "PRUNED", "FAIL", "FAIL", "RUNNING"]
    assert len(study.trials) == len(runs) == 20
    assert study.trials[runs[0]["trial"]].value == 84.5
    assert study.trials[runs[1]["trial"]].user_attrs["fertui_status"] == "nan"


def test_stale_running_trials_are_told_at_the_next_sync(space):
    space.add("DepthLR.toml", DEPTH_LR)
    runs = space.runs()
    # the manager crashed after recording these ends but before telling Optuna
    space.store.update_runs(
        {runs[0]["id"]: {"status": "done", "summary": {"best": {"val/acc": 80.0}}}, runs[1]["id"]: {"status": "lost"}}
    )
    space.finish(runs[2]["id"], "done", 81.0)
    states = {t.user_attrs["fertui_run"]: t.state.name for t in space.study("DepthLR").trials}
    assert [states[r["id"]] for r in runs[:3]] == ["COMPLETE", "FAIL", "COMPLETE"]


def test_median_pruner_stops_a_run_that_trails_the_others(space):
    space.add("p.toml", DEPTH_LR.replace("seeds = [0, 1]", 'seeds = [0]\npruner = "median"\npruner_warmup = 1'))
    runs = space.runs()
    for run in runs[:3]:  # three good runs finish all 5 epochs
        for epoch in range(1, 6):
            assert not report_epoch(space.ws, run, epoch, 80.0 + epoch)
        space.finish(run["id"], "done", 85.0)
    bad = runs[3]
    assert not report_epoch(space.ws, bad, 1, 50.0)  # epoch 1 is still warm-up
    assert report_epoch(space.ws, bad, 2, 51.0)
    assert report_epoch(space.ws, bad, 2, 51.0)  # asking again gives the same answer
    good = runs[4]
    assert not report_epoch(space.ws, good, 2, 83.0)
    space.finish(bad["id"], "pruned", 51.0, pruned_epoch=2)
    trial = space.study("DepthLR").trials[bad["trial"]]
    assert trial.state.name == "PRUNED" and trial.intermediate_values == {1: 50.0, 2: 51.0}


def test_no_pruner_means_never_prune(space):
    space.add("DepthLR.toml", DEPTH_LR)
    run = space.runs()[0]
    assert report_epoch(space.ws, run, 3, float("nan")) is False


def test_tpe_sweep_asks_for_more_runs_until_the_budget(space):
    text = DEPTH_LR.replace("seeds = [0, 1]", 'seeds = [0]\nstrategy = "tpe"\nbudget = 7')
    first = space.add("tpe.toml", text)
    assert len(first) == 4
    for _ in range(10):
        queued = [r for r in space.runs() if r["status"] == "queued"]
        if not queued:
            break
        p = queued[0]["params"]
        space.finish(queued[0]["id"], "done", accuracy(p["model.depth"], p["optim.lr"]))
    runs = space.runs()
    assert len(runs) == 7 and all(r["status"] == "done" for r in runs)
    cells = {(r["params"]["model.depth"], r["params"]["optim.lr"]) for r in runs}
    assert len(cells) == 7  # never the same cell twice
    study = space.study("DepthLR")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 7


def test_staged_study_starts_from_the_best_of_another_sweep(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    best = best_config(space.ws, "DepthLR")
    assert best["model.depth"] == 4 and best["optim.lr"] == 3.2e-5 and best["run.seed"] == 1
    stage2 = space.config(
        "wd.toml",
        """
        base = "best-of:DepthLR"
        [run]
        name = "wd{optim.weight_decay}"
        [sweep]
        name = "WeightDecay"
        [sweep.axes]
        "optim.weight_decay" = [0.0, 0.05]
    """,
    )
    ids = space.add("wd.toml")
    runs = [space.store.get_run(i) for i in ids]
    assert [r["config"]["optim"]["lr"] for r in runs] == [3.2e-5, 3.2e-5]
    assert [r["config"]["model"]["depth"] for r in runs] == [4, 4]
    assert [r["name"] for r in runs] == ["wd0", "wd0.05"]
    assert load_config(stage2, [], lambda name: best_config(space.ws, name)).data["optim"]["lr"] == 3.2e-5
    assert math.isclose(accuracy(4, 3.2e-5, 1), max(r["summary"]["best"]["val/acc"] for r in space.runs("DepthLR")))


def test_best_of_an_unfinished_sweep_is_a_one_line_error(space):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    space.add("DepthLR.toml", DEPTH_LR)
    space.config("next.toml", 'base = "best-of:DepthLR"\n')
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "add", "next.toml"])
    assert result.exit_code == 2
    assert "next.toml: base: sweep 'DepthLR' has no finished run with val/acc yet" in result.output


def test_reconcile_tells_every_sweep_after_a_crash(space):
    from fertui.sweeps.lifecycle import reconcile

    space.add("DepthLR.toml", DEPTH_LR)
    runs = space.runs()
    space.store.update_runs(
        {r["id"]: {"status": "done", "summary": {"best": {"val/acc": 70.0 + i}}} for i, r in enumerate(runs)}
    )  # every end recorded, none told
    assert {t.state.name for t in space.study("DepthLR").trials} == {"RUNNING"}
    reconcile(space.ws)
    study = space.study("DepthLR")
    assert {t.state.name for t in study.trials} == {"COMPLETE"} and study.best_value == 70.0 + len(runs) - 1
