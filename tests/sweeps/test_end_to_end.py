"""The real scheduler runs sweep jobs (`python -c`, parameters through placeholders) whose
objective is a known function of depth and LR: pruned runs stop, tpe sweeps top up to budget."""

from __future__ import annotations

import math
import os
import signal

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import FINAL_STATES
from tests.sweeps.conftest import accuracy

pytestmark = pytest.mark.slow

JOB = """
    [run]
    name = "d{{model.depth}}_lr{{optim.lr}}"
    [job]
    command = ["python", "-c", '''
import fertui.report as r, math, time
depth, lr = {{model.depth}}, {{optim.lr}}
final = 80 + depth - 5 * (math.log10(lr) + 4.5) ** 2
r.start(epochs={epochs}, objective='val/acc')
for epoch in range(1, {epochs} + 1):
    r.log({{'train/loss': 1.0 / epoch, 'val/acc': final - 20 * math.exp(-epoch)}}, step=epoch * 10, epoch=epoch)
    time.sleep({sleep})
''']
    [sweep]
    name = "{name}"
    {extra}
    [sweep.axes]
    "model.depth" = [2, 4]
    "optim.lr" = [1e-5, 3.2e-5, 1e-3]
"""


@pytest.fixture
def scheduled(space):
    (space.root / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\ncancel_grace_s = 5\n")
    yield space
    for run in space.store.runs():  # nothing may outlive the test
        if run.get("pid") and run["status"] not in FINAL_STATES:
            try:
                os.killpg(run["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass


def _run(space, config: str):
    return CliRunner().invoke(app, ["--workspace", str(space.root), "run", config])


def test_median_pruner_stops_the_bad_run_and_the_board_shows_its_epoch(scheduled):
    space = scheduled
    space.config(
        "prune.toml", JOB.format(name="Prune", epochs=6, sleep=0.4, extra='pruner = "median"\n    pruner_warmup = 1')
    )
    result = _run(space, "prune.toml")
    runs = {(r["params"]["model.depth"], r["params"]["optim.lr"]): r for r in space.runs("Prune")}
    assert len(runs) == 6 and all(r["status"] in FINAL_STATES for r in runs.values()), result.output
    bad = runs[(4, 1e-3)]  # 72.75 at the end, below the median of the three finished depth-2 runs
    assert bad["status"] == "pruned" and bad["summary"]["pruned_epoch"] == 2, result.output
    assert bad["summary"]["epoch"] < 6  # stopped, not run to the end
    assert runs[(4, 3.2e-5)]["status"] == "done"
    assert runs[(4, 3.2e-5)]["summary"]["best"]["val/acc"] == pytest.approx(accuracy(4, 3.2e-5) - 20 * math.exp(-6))
    study = space.study("Prune")
    states = {t.user_attrs["fertui_run"]: t.state.name for t in study.trials}
    assert states[bad["id"]] == "PRUNED" and len(study.trials) == 6
    assert sorted(states.values()).count("COMPLETE") == sum(r["status"] == "done" for r in runs.values())
    md = CliRunner().invoke(app, ["--workspace", str(space.root), "board", "Prune", "--format", "md"]).output
    assert "| 4 |" in md and "pruned@2" in md


def test_tpe_sweep_runs_to_its_budget_under_the_scheduler(scheduled):
    space = scheduled
    space.config("tpe.toml", JOB.format(name="Search", epochs=2, sleep=0, extra='strategy = "tpe"\n    budget = 5'))
    result = _run(space, "tpe.toml")
    runs = space.runs("Search")
    assert len(runs) == 5 and all(r["status"] == "done" for r in runs), result.output
    assert len({(r["params"]["model.depth"], r["params"]["optim.lr"]) for r in runs}) == 5
    study = space.study("Search")
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 5
    best = max(r["summary"]["best"]["val/acc"] for r in runs)
    assert study.best_value == pytest.approx(best)
