"""The notes' own table as a fixture: Baseline vs CLSFER at 5 LRs, one seed, and the one
repeated Baseline point (5.6e-6: 84.713, then 84.55). Its verdict is quoted in
docs/statistics.md; this test keeps the quote true."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.plan import enqueue
from fertui.run_docs import run_doc
from fertui.sweeps.compare import compare
from fertui.sweeps.spec import require_spec
from tests.sweeps.test_compare import COMPARE, NOTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "statistics.md"
REPEAT = ({"model.name": "baseline_ir50", "optim.lr": 5.6e-6}, 1, 84.55)


def notes_sweep(space) -> None:
    space.add("cmp.toml", COMPARE)
    for run in space.runs():
        base, cls = NOTES[run["params"]["optim.lr"]]
        space.finish(run["id"], "done", cls if run["params"]["model.name"] == "clsfer_ir50" else base)
    cell, seed, value = REPEAT
    spec = require_spec(space.ws, "BaselineVsCLSFER")
    doc = run_doc(spec.cell_config(cell, seed), sweep=spec.name, cell={**cell, "run.seed": seed})
    (run_id,) = enqueue(space.ws, [doc])
    space.finish(run_id, "done", value)


def test_the_notes_table_reads_probably_better_not_yet_established(space):
    notes_sweep(space)
    (pair,) = compare(space.ws, "BaselineVsCLSFER", by="model.name").pairs
    assert round(pair.fit.estimate, 2) == 0.78 and (round(pair.fit.low, 2), round(pair.fit.high, 2)) == (0.05, 1.51)
    assert not pair.fit.interaction.rejects  # F(4, 1): one repeated point cannot show an interaction
    assert pair.plan.power_now is None  # 1 df of seed noise plans nothing
    out = (
        CliRunner()
        .invoke(
            app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--format", "md"]
        )
        .output
    )
    verdict = out[out.index("clsfer_ir50 − baseline_ir50") :].rstrip().splitlines()
    assert "probably better, not yet established" in verdict[0]
    assert "no evidence that the difference varies across optim.lr values" in verdict[1]
    quoted = DOC.read_text()
    for line in verdict:
        assert line in quoted, f"docs/statistics.md no longer quotes: {line}"


def test_enqueue_on_the_notes_table_replicates_the_deciding_cells(space):
    notes_sweep(space)
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--enqueue"]
    )
    assert result.exit_code == 0, result.output
    queued = sorted(
        (r["params"]["model.name"], r["params"]["optim.lr"], r["params"]["run.seed"])
        for r in space.runs()
        if r["status"] == "queued"
    )
    assert queued == [("baseline_ir50", 5.6e-6, 2), ("clsfer_ir50", 3.2e-6, 1), ("clsfer_ir50", 3.2e-6, 2)]
