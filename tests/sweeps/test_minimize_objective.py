"""A sweep whose objective is minimized shows its minimum everywhere: the real scheduler runs a
job that logs val/err 0.5, 0.2, 0.3, and `ls`, `show`, `board` and the run's record say 0.2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.run_summary import best_entry, best_text
from fertui.tui.rows import run_cells

pytestmark = pytest.mark.slow

ERR_SWEEP = """
    [run]
    name = "err_lr{optim.lr}"
    [job]
    command = ["python", "-c", '''
import fertui.report as r
for epoch, err in enumerate([0.5, 0.2, 0.3], start=1):
    r.log({"val/err": err}, step=epoch, epoch=epoch)
''']
    [sweep]
    name = "Err"
    objective = "val/err"
    direction = "minimize"
    [sweep.axes]
    "optim.lr" = [1e-4]
"""


def cli(space, *args):
    result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_minimized_objective_shows_its_minimum_in_ls_show_board_and_the_record(space):
    (space.root / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\n")
    space.config("err.toml", ERR_SWEEP)
    cli(space, "run", "err.toml")
    (run,) = space.runs("Err")
    assert run["status"] == "done", run
    # What `fertui run`'s live view (best_text) and the console's best column (run_cells) show.
    assert best_entry(run) == ("val/err", 0.2) and best_text(run, " ") == "val/err 0.2"
    assert run_cells(run)["best"] == "val/err 0.2"
    listed = cli(space, "ls")  # one metric for every run: the header names it, the cells hold values
    assert "val/err" in listed and " 0.2 " in listed + " " and "0.5" not in listed
    show = cli(space, "show", run["id"])
    assert "best 0.2" in show and "best 0.5" not in show
    board = json.loads(cli(space, "board", "Err", "--format", "json"))
    assert board["best"]["mean"] == 0.2 and board["maximize"] is False
    trial = space.study("Err").trials[0]
    assert trial.value == 0.2


def test_a_loss_objective_without_a_direction_is_minimized_by_its_name(space):
    """`direction` left out: the metric's name decides (a loss is minimized), once, at `add`;
    the sweep record, the board and the Optuna study all keep that decision."""
    (space.root / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\n")
    space.config(
        "loss.toml",
        ERR_SWEEP.replace('objective = "val/err"\n    direction = "minimize"', 'objective = "val/loss"')
        .replace('"val/err"', '"val/loss"')
        .replace('name = "Err"', 'name = "Loss"'),
    )
    cli(space, "run", "loss.toml")
    (run,) = space.runs("Loss")
    assert run["status"] == "done", run
    assert "val/loss (min)" in cli(space, "sweeps")
    board = json.loads(cli(space, "board", "Loss", "--format", "json"))
    assert board["best"]["mean"] == 0.2 and board["maximize"] is False
    assert space.study("Loss").direction.name == "MINIMIZE"
