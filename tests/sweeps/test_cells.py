"""One rule for a cell's value: a run that differs from its sweep outside the axes is another
cell (refused without --force, shown split with it), attempts of one seed reduce to the best
finished one, and the board, isolation and LR sensitivity all show the same numbers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.board import isolation, pivot
from fertui.sweeps.sensitivity import sensitivity
from fertui.sweeps.webreport.page import build_report
from fertui.tui.screens.leaderboard import build_view
from tests.foundation.test_bad_input import assert_one_line_error, store_bytes
from tests.sweeps.conftest import accuracy

DEPTH_LR = """
    [run]
    name = "d{model.depth}_lr{optim.lr}"
    [job]
    command = ["python", "-c", "pass"]
    [train]
    epochs = 3
    [sweep]
    name = "DepthLR"
    [sweep.axes]
    "model.depth" = [1, 2]
    "optim.lr" = [1e-5, 3.2e-5, 1e-4]
    [sweep.roles]
    "model.depth" = "scientific"
    "optim.lr" = "nuisance"
"""


def cli(space, *args):
    return CliRunner().invoke(app, ["--workspace", str(space.root), *args])


def finish_queued(space, shift: float = 0.0) -> None:
    for run in space.runs("DepthLR"):
        if run["status"] == "queued":
            p = run["params"]
            space.finish(run["id"], "done", accuracy(p["model.depth"], p["optim.lr"]) + shift)


def test_a_set_of_a_key_outside_the_axes_on_an_existing_sweep_is_refused_in_one_line(space):
    space.config("DepthLR.toml", DEPTH_LR)
    assert cli(space, "add", "DepthLR.toml").exit_code == 0
    before = store_bytes(space.root)
    result = cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2")
    assert_one_line_error(result, "train.epochs")
    assert "--force" in result.stderr and "sweep.name=" in result.stderr and "DepthLR.toml" in result.stderr
    assert store_bytes(space.root) == before and len(space.runs("DepthLR")) == 6
    run_result = cli(space, "run", "DepthLR.toml", "--set", "train.epochs=2")
    assert_one_line_error(run_result, "train.epochs")
    renamed = cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2", "--set", "sweep.name=DepthLR_epochs2")
    assert renamed.exit_code == 0, renamed.output
    assert len(space.runs("DepthLR_epochs2")) == 6 and len(space.runs("DepthLR")) == 6


def test_a_capture_or_environment_table_is_no_other_experiment(space):
    # Tables a flat config spells out key by key: how output is read, the job's environment.
    space.config("DepthLR.toml", DEPTH_LR)
    assert cli(space, "add", "DepthLR.toml").exit_code == 0
    for setting in (
        'job.metrics_direction={"val/margin" = "minimize"}',
        'job.env={CUBLAS_WORKSPACE_CONFIG = ":4096:8"}',
    ):
        result = cli(space, "add", "DepthLR.toml", "--set", setting)
        assert result.exit_code == 0, result.output
    assert len(space.runs("DepthLR")) == 18  # each add queued the grid again, in the same cells


def test_with_force_the_other_setting_makes_its_own_cells_and_the_board_shows_the_split(space):
    space.config("DepthLR.toml", DEPTH_LR)
    cli(space, "add", "DepthLR.toml")
    finish_queued(space)
    forced = cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(space.runs("DepthLR")) == 12
    finish_queued(space, shift=+5.0)  # the 2-epoch runs score higher: they must not become the cells
    board = pivot(space.ws, "DepthLR")
    assert board.cell(1, 1e-5).values == [accuracy(1, 1e-5)]
    assert len(board.splits) == 6 and all(s.keys == ["train.epochs"] for s in board.splits)
    md = cli(space, "board", "DepthLR", "--format", "md").output
    assert "split cells: runs differ in train.epochs" in md
    assert "- depth=1 lr=1e-5: epochs=3 79.75 (1 run), epochs=2 84.75 (1 run)" in md
    data = json.loads(cli(space, "board", "DepthLR", "--format", "json").output)
    assert data["best"]["mean"] == accuracy(2, 3.2e-5)
    split = data["splits"][0]
    assert split["keys"] == ["train.epochs"] and [p["values"]["train.epochs"] for p in split["parts"]] == [3, 2]
    out = space.root / "export"
    assert cli(space, "export", "DepthLR", "--out", str(out)).exit_code == 0
    assert "split cells: runs differ in train.epochs" in "".join(p.read_text() for p in out.glob("*_board.md"))
    html = build_report(space.ws, ["DepthLR"])
    assert "epochs=3 79.75 (1 run), epochs=2 84.75 (1 run)" in html
    _, _, console_lines = build_view(space.ws, "DepthLR", "pivot")  # the console's leaderboard
    assert any(line.startswith("split cells: runs differ in train.epochs") for line in console_lines)
    variants = [t.user_attrs.get("fertui_variant") for t in space.study("DepthLR").trials]
    assert variants.count({"train.epochs": 2}) == 6 and variants.count(None) == 6
    # A second seed for the 2-epoch setting queues only that setting's missing seed.
    more = cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2", "--set", "sweep.seeds=[0, 1]", "--force")
    assert more.exit_code == 0, more.output
    queued = [r for r in space.runs("DepthLR") if r["status"] == "queued"]
    assert len(queued) == 6 and {(r["params"]["run.seed"], r["config"]["train"]["epochs"]) for r in queued} == {(1, 2)}


def test_isolation_and_sensitivity_agree_after_a_retry_with_different_epochs(space):
    space.config("DepthLR.toml", DEPTH_LR)
    cli(space, "add", "DepthLR.toml")
    finish_queued(space)
    cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2", "--force")
    finish_queued(space, shift=-10.0)
    # A plain retry of one cell: two finished attempts of one seed count once, at their best.
    cell = next(
        r
        for r in space.runs("DepthLR")
        if r["params"]["model.depth"] == 1 and r["params"]["optim.lr"] == 3.2e-5 and r["config"]["train"]["epochs"] == 3
    )
    again = cli(space, "retry", cell["id"]).output.split()[2]
    space.finish(again, "done", accuracy(1, 3.2e-5) - 20)
    iso = {row.value: row.stats.mean for row in isolation(space.ws, "DepthLR").rows}
    key, windows = sensitivity(space.ws, "DepthLR")
    assert key == "model.depth"
    assert {s.value: s.window.best for s in windows} == iso == {d: accuracy(d, 3.2e-5) for d in (1, 2)}
    md = cli(space, "board", "DepthLR", "--view", "isolation", "--format", "md").output
    assert f"| 1 | {accuracy(1, 3.2e-5):.2f} | lr=3.2e-5 | 3 |" in md
    assert f"depth 1: best {accuracy(1, 3.2e-5):.2f} at 3.2e-5" in md
