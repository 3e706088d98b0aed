"""Exports: markdown and CSV tables, PNG figures named like the notes' (dataset + sweep/run name)."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from fertui.cli.main import app
from tests.sweeps.conftest import DEPTH_LR, EPS_SWEEP, accuracy


def test_export_writes_tables_and_figures_named_like_the_notes(space):
    space.add("DepthLR.toml", DEPTH_LR)
    for run in space.runs()[:4]:  # a few runs logged loss curves
        with open(space.ws.run_dir(run["id"]) / "events.jsonl", "w") as fh:
            for step in range(5):
                fh.write(json.dumps({"type": "log", "step": step, "metrics": {"train/loss": 2.0 / (step + 1)}}) + "\n")
    space.finish_all()
    out = space.root / "results"
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "export", "DepthLR", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "RAF-DB_DepthLR_board.md",
            "RAF-DB_DepthLR_board.csv",
            "RAF-DB_DepthLR_runs.csv",
            "RAF-DB_DepthLR.png",
            "RAF-DB_DepthLR_heatmap.png",
            "RAF-DB_DepthLR_loss.png",
            "RAF-DB_CLSFERBaseline_depth2_SearchLR.png",
            "RAF-DB_CLSFERBaseline_depth4_SearchLR.png",
            "RAF-DB_DepthLR_lr_sensitivity.png",
        ]
    )
    for name in names:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / name).stat().st_size > 5000
    md = (out / "RAF-DB_DepthLR_board.md").read_text()
    assert "| model.depth \\\\ optim.lr | 1e-5 | 1.8e-5 | 3.2e-5 | 5.6e-5 | 1e-4 |" in md.replace("\\", "\\\\")
    assert "**84.25 ± 0.35**" in md and "| POSTER++ | 92.21 |" in md and "at its best optim.lr" in md
    assert "- depth 4: best 84.25 at 3.2e-5, within 0.5 over 0.60 decades" in md
    rows = list(csv.DictReader((out / "RAF-DB_DepthLR_runs.csv").open()))
    assert len(rows) == 20 and rows[0]["status"] == "done" and float(rows[0]["objective"]) == accuracy(2, 1e-5, 0)
    # Each run's code as its document records it (empty without git); one add, one code state per cell.
    runs = {r["id"]: r for r in space.runs()}
    assert all(row["code_fingerprint"] == (runs[row["id"]].get("code") or {}).get("fingerprint", "") for row in rows)
    cells = list(csv.DictReader((out / "RAF-DB_DepthLR_board.csv").open()))
    assert len(cells) == 10 and {c["code_states"] for c in cells} <= {"0", "1"}


def test_export_of_a_one_axis_sweep_plots_along_that_axis(space):
    space.add("eps.toml", EPS_SWEEP)
    for i, run in enumerate(space.runs()):
        space.finish(run["id"], "done", 80.0 + i)
    out = space.root / "x"
    CliRunner().invoke(app, ["--workspace", str(space.root), "export", "EPS", "--out", str(out)])
    # a sweep of command jobs names no data set: no "Synthetic" (the trainer's default) in its titles
    assert (out / "EPS.png").read_bytes()[:4] == b"\x89PNG"
    assert "| optim.eps | val/acc |" in (out / "EPS_board.md").read_text()


def test_export_writes_every_figure_in_each_asked_format_at_paper_sizes(space):
    from fertui.sweeps.board import pivot
    from fertui.sweeps.export import heatmap_figure, lines_figure

    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    out = space.root / "paper"
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "export", "DepthLR", "--out", str(out), "--format", "png,pdf,svg"]
    )
    assert result.exit_code == 0, result.output
    stems = {p.stem for p in out.iterdir() if p.suffix == ".png"}
    assert stems and all((out / f"{s}.pdf").read_bytes()[:5] == b"%PDF-" for s in stems)
    assert all("<svg" in (out / f"{s}.svg").read_text()[:2000] for s in stems)
    board = pivot(space.ws, "DepthLR")
    for fig in (lines_figure(board, "t"), heatmap_figure(board)):
        width, _ = fig.get_size_inches()
        texts = [t for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels(), *ax.texts)]
        legend = fig.axes[0].get_legend()
        texts += list(legend.get_texts()) if legend else []
        assert width <= 7.16 and min(t.get_fontsize() for t in texts) >= 8  # legible at print size
    assert fig.axes[0].images[0].get_cmap().name in ("viridis", "viridis_r") and len(fig.axes) == 2  # + colour bar


def test_export_format_typo_is_one_line_exit_2(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "export", "DepthLR", "--format", "png,jpg"])
    assert result.exit_code == 2 and "--format: expected one or more of png, pdf, svg" in result.output
    assert not (space.root / "runs" / "exports").exists()
