"""Exports of a cell whose runs ran different code: a real git repository, seed 1 retried after an
edit of the training script, the real scheduler recording each run's code state. Every exported
table says what the board says, ``62.50 ± 12.02 (2 code states)``."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from fertui.cli.main import app
from tests.scheduler.conftest import JobWorkspace, jobs  # noqa: F401  (the fixture: real jobs, torn down)
from tests.scheduler.test_provenance import TRAIN, make_repo
from tests.scheduler.test_queue_order import serve_until_drained

SWEEP = """\
    [job]
    command = ["python", "train.py", "--depth", "{model.depth}"]
    [run]
    name = "t_d{model.depth}"
    [sweep]
    name = "Lab"
    objective = "val/acc"
    seeds = [0, 1]
    [sweep.axes]
    "model.depth" = [2, 4]
"""


def mixed_sweep(space: JobWorkspace, tmp_path, monkeypatch) -> tuple[list[str], dict[str, dict]]:
    """Every run on the first commit (54), then depth 2's seed 1 retried after an edit (71).
    The fertui arguments naming the workspace, and the runs by id."""
    repo = make_repo(tmp_path, SWEEP)
    monkeypatch.chdir(repo)
    ws = ["--workspace", str(space.root)]
    runner = CliRunner()
    added = runner.invoke(app, [*ws, "add", "sweep.toml"])
    assert added.exit_code == 0, added.output
    serve_until_drained(space.ws)
    seed1 = next(r for r in space.store.runs() if r["params"] == {"model.depth": 2, "run.seed": 1})
    (repo / "train.py").write_text(TRAIN.format(acc=71.0))
    retried = runner.invoke(app, [*ws, "retry", seed1["id"]])
    assert retried.exit_code == 0, retried.output
    serve_until_drained(space.ws)
    runs = {r["id"]: r for r in space.store.runs()}
    assert len(runs) == 5 and all(r["status"] == "done" for r in runs.values())
    assert len({r["code"]["fingerprint"] for r in runs.values()}) == 2
    return ws, runs


def test_every_export_of_a_sweep_says_which_cell_ran_two_code_states(jobs, tmp_path, monkeypatch):  # noqa: F811
    ws, runs = mixed_sweep(jobs, tmp_path, monkeypatch)
    runner = CliRunner()
    board = runner.invoke(app, [*ws, "board", "Lab"])
    assert "62.50 ± 12.02 (2 code states)" in board.output  # what the other exports must agree with

    out = tmp_path / "out"
    exported = runner.invoke(app, [*ws, "export", "Lab", "--out", str(out), "--paper"])
    assert exported.exit_code == 0, exported.output

    # The paper table: the best value keeps its bold, with a dagger and its note under the table.
    seed0 = next(i for i, r in runs.items() if r["params"] == {"model.depth": 2, "run.seed": 0})
    retry = next(i for i, r in runs.items() if r.get("retry_of"))
    md = (out / "Lab_paper.md").read_text()
    (mixed,) = [line for line in md.splitlines() if "62.50" in line]
    assert mixed.startswith("| 2 | **62.50 ± 12.02**† |")
    (plain,) = [line for line in md.splitlines() if line.startswith("| ") and "54.00" in line]
    assert "†" not in plain  # one code state: no mark
    (note,) = [line for line in md.splitlines() if line.startswith("† ")]
    assert "depth=2: its runs came from 2 different code states, not seeds of one setting" in note
    assert f"`fertui diff {seed0} {retry}`" in note
    assert md.index("| --- |") < md.index(note) < md.index("Ours:")
    tex = (out / "Lab_paper.tex").read_text()
    assert r"\textbf{62.50 $\pm$ 12.02}$^\dagger$" in tex
    assert tex.count(r"$^\dagger$") == 2  # the value and its note, after the tabular
    assert tex.index(r"\end{tabular}") < tex.index("2 different code states")
    assert rf"\texttt{{fertui diff {seed0} {retry}}}" in tex

    # The command the note names shows the edit.
    diff = runner.invoke(app, [*ws, "diff", seed0, retry])
    assert diff.exit_code == 0 and "-ACC = 54.0" in diff.output and "+ACC = 71.0" in diff.output

    # The board as CSV (written by export and by `board --format csv`) and as JSON.
    exported_csv = (out / "Lab_board.csv").read_text()
    assert exported_csv == runner.invoke(app, [*ws, "board", "Lab", "--format", "csv"]).output
    cells = {row["model.depth"]: row for row in csv.DictReader(exported_csv.splitlines())}
    assert (cells["2"]["mean"], cells["2"]["code_states"], cells["2"]["best"]) == ("62.5", "2", "1")
    assert cells["4"]["code_states"] == "1"
    shown = json.loads(runner.invoke(app, [*ws, "board", "Lab", "--format", "json"]).output)
    assert {c["model.depth"]: c["code_states"] for c in shown["cells"]} == {2: 2, 4: 1}
    assert shown["best"]["code_states"] == 2

    # The runs: each one's commit and code fingerprint, as its run document records them.
    rows = list(csv.DictReader((out / "Lab_runs.csv").open()))
    assert len(rows) == 5
    for row in rows:
        code = runs[row["id"]]["code"]
        assert (row["commit"], row["code_fingerprint"]) == (code["commit"], code["fingerprint"])
    assert len({row["code_fingerprint"] for row in rows}) == 2
    assert len({row["commit"] for row in rows}) == 1  # the edit was never committed: only the fingerprint tells
