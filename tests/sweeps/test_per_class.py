"""Per-class results: the best epoch's confusion matrix, per-class accuracy from it, and the
per-class differences of a comparison."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.data.classes import RAF_CLASSES
from fertui.sweeps.compare import compare
from fertui.sweeps.per_class import best_epoch_classes, comparison_classes

COMPARE = """
    [job]
    command = ["true"]
    [data]
    name = "rafdb"
    [sweep]
    name = "BaselineVsCLSFER"
    seeds = [0, 1]
    [sweep.axes]
    "model.name" = ["baseline_ir50", "clsfer_ir50"]
    "optim.lr" = [1e-5, 3.2e-5]
"""


def matrix(correct: list[int], wrong: int = 2) -> list[list[int]]:
    """7 classes: CORRECT[i] right, WRONG images of class i predicted as the next class."""
    m = [[0] * 7 for _ in range(7)]
    for i, c in enumerate(correct):
        m[i][i] = c
        m[i][(i + 1) % 7] = wrong
    return m


def overall(m) -> float:
    return 100 * sum(m[i][i] for i in range(7)) / sum(map(sum, m))


def write_confusion(run_dir: Path, epoch: int, m) -> None:
    """The file the trainer's save_confusion writes (fertui/train/loop.py)."""
    folder = run_dir / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "epoch": epoch,
        "step": 10 * epoch,
        "classes": RAF_CLASSES,
        "matrix": m,
        "rows": "true class",
        "columns": "predicted class",
        "val/acc": overall(m),
        "val/mean_class_acc": 0.0,
        "val/loss": 1.0,
    }
    (folder / f"confusion_epoch{epoch:03d}.json").write_text(json.dumps(doc))


def test_best_epoch_per_class_accuracy_equals_the_confusion_matrix(tmp_path):
    epochs = {1: matrix([5] * 7), 2: matrix([9, 3, 4, 20, 8, 7, 12]), 3: matrix([6] * 7)}
    for epoch, m in epochs.items():
        write_confusion(tmp_path / "00001", epoch, m)
    found = best_epoch_classes(tmp_path / "00001")
    m = epochs[2]
    assert found.epoch == 2 and found.classes == RAF_CLASSES and found.matrix == m
    assert found.accuracy == [100 * m[i][i] / sum(m[i]) for i in range(7)]
    assert found.support == [sum(row) for row in m]
    assert math.isclose(found.overall, overall(m))
    # The same figures the trainer reports for that matrix.
    import torch

    from fertui.train.evaluate import metrics_from_confusion

    reported = metrics_from_confusion(torch.tensor(m), 0.0, sum(map(sum, m)))
    assert math.isclose(found.overall, reported["val/acc"], rel_tol=1e-6)
    assert math.isclose(found.mean_class, reported["val/mean_class_acc"], rel_tol=1e-6)


def _finish_with_confusion(space, pick) -> dict:
    """Finish each run with a confusion matrix from PICK(params) and val/acc equal to it."""
    written = {}
    for run in space.runs():
        m = pick(run["params"])
        write_confusion(space.ws.run_dir(run["id"]), 1, m)
        space.finish(run["id"], "done", overall(m))
        written[run["id"]] = m
    return written


def test_show_classes_prints_and_exports_the_best_epoch(space, tmp_path):
    space.add("cmp.toml", COMPARE)
    written = _finish_with_confusion(space, lambda p: matrix([10, 2, 3, 30, 12, 8, 20]))
    run_id = next(iter(written))
    runner = CliRunner()
    base = ["--workspace", str(space.root), "show", run_id, "--classes"]
    out = runner.invoke(app, base).output
    assert "Surprise" in out and "Neutral" in out and f"{100 * 2 / 4:8.2f}" in out  # Fear: 2 of 4 right
    png = tmp_path / "classes.png"
    doc = json.loads(runner.invoke(app, [*base, "--json", "--png", str(png)]).output)
    assert doc["matrix"] == written[run_id] and doc["classes"] == RAF_CLASSES
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_classes_without_a_matrix_is_a_user_error(space):
    space.add("cmp.toml", COMPARE)
    run_id = space.runs()[0]["id"]
    result = CliRunner().invoke(app, ["--workspace", str(space.root), "show", run_id, "--classes"])
    assert result.exit_code == 2 and "no confusion matrix" in result.output


def test_comparison_per_class_differences_of_the_deciding_cells(space):
    space.add("cmp.toml", COMPARE)

    def pick(p):
        # CLSFER fixes Fear and Disgust at its best LR (3.2e-5); seed 1 gets one more Fear right.
        if p["model.name"] == "clsfer_ir50" and p["optim.lr"] == 3.2e-5:
            return matrix([10, 6 + p["run.seed"], 7, 30, 12, 8, 20])
        return matrix([10, 2, 3, 30, 12, 8, 20 - (p["optim.lr"] == 1e-5)])

    written = _finish_with_confusion(space, pick)
    cmp = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    (cc,) = comparison_classes(space.ws, cmp)
    assert cc.classes == RAF_CLASSES and (cc.a, cc.b) == ("baseline_ir50", "clsfer_ir50")
    fear = cc.rows[1]
    clsfer_fear = [100 * 6 / 8, 100 * 7 / 9]
    assert math.isclose(fear.b_mean, statistics.fmean(clsfer_fear))
    assert math.isclose(fear.a_mean, 100 * 2 / 4)
    assert math.isclose(fear.diff, statistics.fmean(clsfer_fear) - 50)
    # Same seeds on both sides: the interval is over the seed-paired differences (baseline's seeds agree).
    paired = [c - 50 for c in clsfer_fear]
    assert fear.paired and math.isclose(fear.se, statistics.stdev(paired) / math.sqrt(2))
    from scipy import stats

    assert math.isclose(fear.half_width, stats.t.ppf(0.975, 1) * fear.se)
    assert cc.rows[3].diff == 0  # Happiness unchanged
    assert math.isclose(cc.confusion_diff[1][1], fear.diff)
    out = (
        CliRunner()
        .invoke(app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--classes"])
        .output
    )
    assert "per class: clsfer_ir50 − baseline_ir50" in out and f"{fear.diff:+.2f} ± {fear.half_width:.2f}" in out
    assert len(written) == 8
