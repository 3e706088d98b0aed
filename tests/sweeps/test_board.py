"""Leaderboards: pivot values, mean ± std over seeds, best cell, state marks, isolation, references."""

from __future__ import annotations

import json
import statistics

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.board import isolation, pivot
from tests.sweeps.conftest import DEPTH_LR, accuracy

LRS = (1e-5, 1.8e-5, 3.2e-5, 5.6e-5, 1e-4)


def _cli(space, *args):
    result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_pivot_mean_std_and_best_cell_exact(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    board = pivot(space.ws, "DepthLR")
    assert (board.rows_key, board.cols_key) == ("model.depth", "optim.lr")
    assert board.row_values == [2, 4] and board.col_values == list(LRS)
    for depth in (2, 4):
        for lr in LRS:
            cell = board.cell(depth, lr)
            expected = [accuracy(depth, lr, 0), accuracy(depth, lr, 1)]
            assert cell.values == expected
            assert cell.mean == statistics.fmean(expected) and cell.std == statistics.stdev(expected)
    assert board.best == (4, 3.2e-5)
    assert [pos for pos, c in board.cells.items() if c.best] == [(4, 3.2e-5)]
    md = _cli(space, "board", "DepthLR", "--format", "md")
    assert f"**{statistics.fmean([accuracy(4, 3.2e-5, 0), accuracy(4, 3.2e-5, 1)]):.2f} ± 0.35**" in md
    data = json.loads(_cli(space, "board", "DepthLR", "--format", "json"))
    assert data["best"]["model.depth"] == 4 and data["best"]["optim.lr"] == 3.2e-5
    assert len(data["cells"]) == 10


def test_nan_failed_running_queued_pruned_cells_are_marked(space):
    ids = space.add("DepthLR.toml", DEPTH_LR)
    by_cell = {
        (r["params"]["model.depth"], r["params"]["optim.lr"], r["params"]["run.seed"]): r["id"] for r in space.runs()
    }
    space.finish(by_cell[(2, 1e-5, 0)], "nan")
    space.finish(by_cell[(2, 1e-5, 1)], "nan")
    space.finish(by_cell[(2, 1.8e-5, 0)], "failed")
    space.finish(by_cell[(2, 1.8e-5, 1)], "done", 81.0)
    space.finish(by_cell[(2, 3.2e-5, 0)], "pruned", 70.0, pruned_epoch=3)
    space.store.update_run(by_cell[(2, 5.6e-5, 0)], status="running")
    space.finish(by_cell[(4, 1e-4, 0)], "done", 90.0)
    board = pivot(space.ws, "DepthLR")
    md = _cli(space, "board", "DepthLR", "--format", "md").splitlines()
    row2 = next(line for line in md if line.startswith("| 2 |"))
    cells = [c.strip() for c in row2.strip("|").split("|")][1:]
    assert cells[0] == "2× NaN"
    assert cells[1] == "81.00 (failed)"
    assert cells[2] == "pruned@3, queued"
    assert cells[3] == "running, queued"
    assert board.best == (4, 1e-4) and board.cell(4, 1e-4).std is None
    assert len(ids) == 20


def test_isolation_compares_each_depth_at_its_own_best_lr(space):
    text = DEPTH_LR.replace('"model.depth" = [2, 4]', '"model.depth" = [2, 4, 6]')
    space.add("DepthLR.toml", text)

    def surface(depth, lr, seed):  # deeper models want a smaller LR
        return 80 + depth - 5 * (__import__("math").log10(lr) + 4 + depth / 8) ** 2 + 0.1 * seed

    space.finish_all(surface)
    iso = isolation(space.ws, "DepthLR")
    assert iso.key == "model.depth" and iso.nuisance == ["optim.lr"]
    best_lr = {}
    for row in iso.rows:
        means = {lr: statistics.fmean([surface(row.value, lr, s) for s in (0, 1)]) for lr in LRS}
        best_lr[row.value] = max(means, key=means.get)
        assert row.stats.params["optim.lr"] == best_lr[row.value]
        assert row.stats.mean == means[best_lr[row.value]] and row.tried == 5
    assert best_lr == {2: 5.6e-5, 4: 3.2e-5, 6: 1.8e-5}
    assert [r.best for r in iso.rows] == [False, False, True]
    out = _cli(space, "board", "DepthLR", "--view", "isolation", "--format", "csv")
    assert out.splitlines()[0] == "model.depth,best val/acc,at optim.lr,cells tried"


def test_references_beside_the_best_on_the_same_dataset(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    md = _cli(space, "board", "DepthLR", "--format", "md")
    assert "| POSTER++ | 92.21 |" in md and "| DDAMFN | 91.35 |" in md and "FMAE" not in md
    assert "| **DepthLR (best)** | **84.25** |" in md
    plain = _cli(space, "board", "DepthLR")
    assert "RAF-DB references (val/acc)" in plain and "APViT" in plain
    assert "POSTER" not in _cli(space, "board", "DepthLR", "--no-references")


def test_unknown_sweep_and_same_rows_cols_are_one_line_errors(space):
    space.add("DepthLR.toml", DEPTH_LR)
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "board", "Nope"])
    assert result.exit_code == 2 and "no sweep named 'Nope'" in result.output and "DepthLR" in result.output
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "board", "DepthLR", "--rows", "optim.lr", "--cols", "optim.lr"]
    )
    assert result.exit_code == 2 and "pick two different keys" in result.output


def test_sweeps_listing_shows_strategy_states_and_best(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all(skip={space.runs()[0]["id"]})
    out = _cli(space, "sweeps")
    header, line = out.splitlines()
    assert header.split() == ["sweep", "strategy", "objective", "best", "runs", "axes"]
    assert line.split()[:5] == ["DepthLR", "grid", "val/acc", "(max)", "84.25"]
    assert header.index("best") == line.index("84.25")  # columns line up under the header
    assert "done=19 queued=1" in line and "optim.lr[5: 1e-5..1e-4]" in line
    (row,) = json.loads(_cli(space, "sweeps", "--json"))
    assert row["best_params"] == {"model.depth": 4, "optim.lr": 3.2e-5} and row["runs"] == 20


def test_board_states_the_pooled_seed_noise(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()  # seed 1 is 0.5 above seed 0 in every cell: within-cell sd = 0.5 / sqrt(2)
    md = _cli(space, "board", "DepthLR", "--format", "md")
    assert "seed noise: sd 0.35 (pooled within-cell sd over 10 cell(s) with replicates, 10 df)" in md
    assert "seed noise: sd 0.35" in _cli(space, "board", "DepthLR")
