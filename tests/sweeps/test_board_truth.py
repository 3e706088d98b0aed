"""Boards never show the wrong run: a finished cell keeps its value across a cancelled or failed
retry, a pruned run that finished every epoch keeps its final value, and a key or metric that
names nothing is a one-line error rather than blank rows."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.board import pivot
from fertui.sweeps.compare import compare
from fertui.sweeps.listing import sweep_summaries
from tests.foundation.test_bad_input import assert_one_line_error, store_bytes

SMALL = """
    [run]
    name = "d{model.depth}_lr{optim.lr}"
    [job]
    command = ["python", "-c", "pass"]
    [train]
    epochs = 3
    [sweep]
    name = "Small"
    [sweep.axes]
    "model.depth" = [2, 4]
    "optim.lr" = [1e-4, 1e-3]
"""


def cli(space, *args):
    return CliRunner().invoke(app, ["--workspace", str(space.root), *args])


def by_cell(space):
    return {(r["params"]["model.depth"], r["params"]["optim.lr"]): r["id"] for r in space.runs("Small")}


def test_a_done_cell_keeps_its_run_across_a_cancelled_and_a_failed_retry(space):
    space.add("Small.toml", SMALL)
    ids = by_cell(space)
    for (depth, lr), run_id in ids.items():
        space.finish(run_id, "done", 60.0 + depth + lr * 1000)
    done = ids[(4, 1e-3)]
    first = cli(space, "retry", done)
    assert first.exit_code == 0, first.output
    retry_id = first.output.split()[2]
    assert cli(space, "cancel", retry_id).exit_code == 0
    assert space.store.get_run(retry_id)["status"] == "cancelled"
    second = cli(space, "retry", done).output.split()[2]
    space.finish(second, "failed")
    board = pivot(space.ws, "Small")
    cell = board.cell(4, 1e-3)
    assert cell.values == [65.0] and dict(cell.states) == {"done": 1} and board.best == (4, 1e-3)
    text = cli(space, "board", "Small", "--format", "md").output
    assert "cancelled" not in text and "failed" not in text and "**65.00**" in text
    row = next(r for r in compare(space.ws, "Small", by="model.depth").rows if r.across_value == 1e-3)
    assert row.stats[4].values == [65.0] and row.winner == 4
    (summary,) = sweep_summaries(space.ws)
    assert summary["best"] == 65.0


def test_two_finished_attempts_of_one_seed_count_once_at_their_best(space):
    space.add("Small.toml", SMALL)
    run_id = by_cell(space)[(2, 1e-4)]
    space.finish(run_id, "done", 50.0)
    again = cli(space, "retry", run_id).output.split()[2]
    space.finish(again, "done", 55.0)
    cell = pivot(space.ws, "Small").cell(2, 1e-4)
    assert cell.values == [55.0] and cell.std is None


def test_a_pruned_run_that_finished_every_epoch_keeps_its_final_value(space):
    space.add("Small.toml", SMALL)
    ids = by_cell(space)
    space.finish(ids[(2, 1e-4)], "pruned", 70.0, epochs=5, epoch=5, pruned_epoch=5)
    space.finish(ids[(2, 1e-3)], "pruned", 40.0, epochs=5, epoch=2, pruned_epoch=2)
    board = pivot(space.ws, "Small")
    assert board.cell(2, 1e-4).values == [70.0] and dict(board.cell(2, 1e-4).states) == {"done": 1}
    assert board.cell(2, 1e-3).values == [] and board.cell(2, 1e-3).pruned_epochs == [2]
    assert board.best == (2, 1e-4)


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["board", "Small", "--rows", "model.dpeth"],
            "--rows model.dpeth: names no axis of sweep 'Small' "
            "(did you mean 'model.depth'?); its axes: model.depth, optim.lr",
        ),
        (
            ["board", "Small", "--cols", "optim.l"],
            "--cols optim.l: names no axis of sweep 'Small' (did you mean 'optim.lr'?)",
        ),
        (["board", "Small", "--view", "isolation", "--rows", "depth"], "--rows depth: names no axis"),
        (
            ["board", "Small", "--metric", "val/accc"],
            "--metric val/accc: no run of sweep 'Small' reported it (did you mean 'val/acc'?)",
        ),
        (["compare", "Small", "--by", "model.deep"], "--by model.deep: names no axis of sweep 'Small'"),
        (["compare", "Small", "--by", "model.depth", "--across", "optim.rl"], "--across optim.rl: names no axis"),
        (["compare", "Small", "--by", "model.depth", "--metric", "loss"], "--metric loss: no run of sweep 'Small'"),
    ],
)
def test_a_key_or_metric_that_names_nothing_is_one_line(space, args, expected):
    space.add("Small.toml", SMALL)
    for run_id in by_cell(space).values():
        space.finish(run_id, "done", 60.0)
    before = store_bytes(space.root)
    assert_one_line_error(cli(space, *args), expected)
    assert store_bytes(space.root) == before


def test_a_config_key_that_is_no_axis_gives_one_row_per_value(space):
    space.add("Small.toml", SMALL)
    for run_id in by_cell(space).values():
        space.finish(run_id, "done", 60.0)
    board = pivot(space.ws, "Small", rows="train.epochs")
    assert board.row_values == [3]  # once, not once per column
    data = json.loads(cli(space, "board", "Small", "--rows", "train.epochs", "--format", "json").output)
    assert data["best"]["train.epochs"] == 3
