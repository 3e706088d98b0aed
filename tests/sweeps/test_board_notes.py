"""What every view of a sweep says under its numbers: split cells (runs added with another setting
outside the axes) in the isolation view and in the exported CSVs, fractions beside percent
references in the isolation view and the paper's table, and runs that finished without the
objective named as such rather than "no finished run yet"."""

from __future__ import annotations

import csv
import json

from tests.sweeps.conftest import accuracy
from tests.sweeps.test_cells import DEPTH_LR, cli, finish_queued


def _split_sweep(space) -> None:
    """DepthLR's six cells run at 3 epochs, then again at 2 with --force (scoring 5 points more)."""
    space.config("DepthLR.toml", DEPTH_LR)
    assert cli(space, "add", "DepthLR.toml").exit_code == 0
    finish_queued(space)
    forced = cli(space, "add", "DepthLR.toml", "--set", "train.epochs=2", "--force")
    assert forced.exit_code == 0, forced.output
    finish_queued(space, shift=+5.0)


def test_exported_csvs_tell_the_two_settings_of_a_split_cell_apart(space):
    _split_sweep(space)
    out = space.root / "export"
    result = cli(space, "export", "DepthLR", "--out", str(out))
    assert result.exit_code == 0, result.output
    (runs_csv,) = out.glob("*_runs.csv")
    runs = list(csv.DictReader(runs_csv.open()))
    by_variant = {}
    for row in runs:
        by_variant.setdefault(row["variant"], []).append(row)
    assert sorted(by_variant) == ["", "train.epochs=2"] and [len(v) for v in by_variant.values()] == [6, 6]
    own = {(r["model.depth"], r["optim.lr"]): float(r["objective"]) for r in by_variant[""]}
    other = {(r["model.depth"], r["optim.lr"]): float(r["objective"]) for r in by_variant["train.epochs=2"]}
    assert own[("1", "1e-05")] == accuracy(1, 1e-5) and other[("1", "1e-05")] == accuracy(1, 1e-5) + 5

    (board_csv,) = out.glob("*_board.csv")
    cells = list(csv.DictReader(board_csv.open()))
    assert len(cells) == 12  # six positions, each followed by the 2-epoch setting the board does not show
    first, second = cells[:2]
    assert (first["model.depth"], first["optim.lr"], first["variant"]) == ("1", "1e-05", "")
    assert float(first["mean"]) == accuracy(1, 1e-5)
    assert (second["model.depth"], second["optim.lr"], second["variant"]) == ("1", "1e-05", "train.epochs=2")
    assert float(second["mean"]) == accuracy(1, 1e-5) + 5 and second["best"] == "0"
    shown = [c for c in cells if c["best"] == "1"]
    assert len(shown) == 1 and shown[0]["variant"] == "" and float(shown[0]["mean"]) == accuracy(2, 3.2e-5)
    # `board --format csv` is the same table.
    assert cli(space, "board", "DepthLR", "--format", "csv").stdout == board_csv.read_text()


def test_a_sweep_without_a_split_has_an_empty_variant_column(space):
    space.config("DepthLR.toml", DEPTH_LR)
    cli(space, "add", "DepthLR.toml")
    finish_queued(space)
    cells = list(csv.DictReader(cli(space, "board", "DepthLR", "--format", "csv").stdout.splitlines()))
    assert len(cells) == 6 and {c["variant"] for c in cells} == {""}


def test_the_isolation_view_lists_split_cells_as_the_pivot_does(space):
    _split_sweep(space)
    pivot_md = cli(space, "board", "DepthLR", "--format", "md").output
    split = "depth=1 lr=1e-5: epochs=3 79.75 (1 run), epochs=2 84.75 (1 run)"
    assert f"- {split}" in pivot_md
    for fmt in ("md", "table"):
        shown = cli(space, "board", "DepthLR", "--view", "isolation", "--format", fmt).output
        assert "split cells: runs differ in train.epochs (the board shows the sweep's own, first):" in shown, fmt
        assert split in shown and sum(line.strip().startswith("depth=") for line in shown.splitlines()) == 6
    data = json.loads(cli(space, "board", "DepthLR", "--view", "isolation", "--format", "json").output)
    assert len(data["splits"]) == 6 and data["splits"][0]["keys"] == ["train.epochs"]
    assert [p["values"]["train.epochs"] for p in data["splits"][0]["parts"]] == [3, 2]
    assert data["rows"][0]["mean"] == accuracy(1, 3.2e-5)  # the sweep's own setting, not the higher variant


COMMAND_UAR = """
    [run]
    name = "uar_lr{optim.lr}"
    [job]
    command = ["python", "-c", "pass"]
    [sweep]
    name = "UAR"
    objective = "val/uar"
    [sweep.axes]
    "optim.lr" = [1e-5, 1e-4, 1e-3]
"""


def test_runs_that_finished_without_the_objective_are_not_called_unfinished(space):
    space.config("uar.toml", COMMAND_UAR)
    assert cli(space, "add", "uar.toml").exit_code == 0
    assert "no finished run yet" in cli(space, "board", "UAR").output
    for run in space.runs("UAR"):
        space.finish(run["id"], "done", 71.0)  # logged val/acc only
    for fmt in ("table", "md"):
        shown = cli(space, "board", "UAR", "--format", fmt).output
        assert "no finished run yet" not in shown
        assert "3 runs finished, none reported val/uar (see `fertui capture test` / [job] output_scalars" in shown


def _fraction_sweep(space) -> None:
    """DepthLR on RAF-DB (percent references) whose command job printed accuracies as fractions."""
    space.config("DepthLR.toml", DEPTH_LR + '\n    [data]\n    name = "rafdb"\n')
    assert cli(space, "add", "DepthLR.toml").exit_code == 0
    for run in space.runs("DepthLR"):
        p = run["params"]
        space.finish(run["id"], "done", accuracy(p["model.depth"], p["optim.lr"]) / 100)


def test_the_fraction_warning_shows_in_the_isolation_view(space):
    _fraction_sweep(space)
    pivot_warning = json.loads(cli(space, "board", "DepthLR", "--format", "json").output)["warnings"]
    assert len(pivot_warning) == 1 and "never exceeds 1.0" in pivot_warning[0]
    for fmt in ("table", "md"):
        shown = cli(space, "board", "DepthLR", "--view", "isolation", "--format", fmt).output
        assert "warning: val/acc never exceeds 1.0 in run(s)" in shown and "RAF-DB references are in percent" in shown
    data = json.loads(cli(space, "board", "DepthLR", "--view", "isolation", "--format", "json").output)
    # Every run to re-read, as the pivot names them, not only those of each row's best cell.
    assert data["warnings"] == pivot_warning and all(r["id"] in pivot_warning[0] for r in space.runs("DepthLR"))
    table = cli(space, "board", "DepthLR", "--view", "isolation", "--format", "csv")
    assert "never exceeds 1.0" in table.stderr and "never exceeds" not in table.stdout
    quiet = cli(space, "board", "DepthLR", "--view", "isolation", "--no-references").output
    assert "never exceeds" not in quiet


def test_the_paper_table_carries_the_fraction_warning(space):
    _fraction_sweep(space)
    out = space.root / "export"
    result = cli(space, "export", "DepthLR", "--out", str(out), "--paper")
    assert result.exit_code == 0, result.output
    (warning,) = result.stderr.splitlines()  # the board's and the paper's: one warning, the same runs
    assert warning.startswith("warning: val/acc never exceeds 1.0") and all(r["id"] in warning for r in space.runs())
    assert all(line.startswith(str(out)) for line in result.stdout.splitlines())  # stdout: the files only
    paper_md = next(out.glob("*_paper.md")).read_text()
    table, notes = paper_md.split("\n\n", 2)[1:]
    assert "| POSTER++ | **92.21** |" in table and "0.8" in table  # the fractions the note is about
    assert notes.startswith("**Warning: val/acc never exceeds 1.0 in run(s) ")
    assert "metrics_scale" in notes and "fertui reingest" in notes
    tex = next(out.glob("*_paper.tex")).read_text()
    assert "% warning: val/acc never exceeds 1.0" in tex
    board_md = next(out.glob("*_board.md")).read_text()
    assert "warning: val/acc never exceeds 1.0" in board_md


def test_percent_values_carry_no_warning_in_the_paper(space):
    space.config("DepthLR.toml", DEPTH_LR + '\n    [data]\n    name = "rafdb"\n')
    cli(space, "add", "DepthLR.toml")
    finish_queued(space)
    out = space.root / "export"
    result = cli(space, "export", "DepthLR", "--out", str(out), "--paper")
    assert result.exit_code == 0 and not result.stderr
    assert "arning" not in next(out.glob("*_paper.md")).read_text()
    assert "warning" not in next(out.glob("*_paper.tex")).read_text()
