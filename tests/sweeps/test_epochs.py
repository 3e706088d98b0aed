"""``compare --epoch``: best (the summary's value), last, or the mean of the last K validations,
read from each run's events; a bad value is one clear line."""

from __future__ import annotations

import json
import statistics

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare
from fertui.sweeps.epochs import parse_epoch
from tests.sweeps.test_compare import COMPARE

# val/acc per epoch: clsfer peaks early and decays, baseline climbs to the end.
CURVES = {"baseline_ir50": [80.0, 82.0, 84.0], "clsfer_ir50": [83.0, 86.0, 81.0]}


def _runs_with_curves(space):
    space.add("cmp.toml", COMPARE)
    for run in space.runs():
        curve = [v + run["params"]["optim.lr"] * 1e4 for v in CURVES[run["params"]["model.name"]]]
        lines = [
            json.dumps(
                {"type": "log", "step": 10 * epoch, "epoch": epoch, "metrics": {"val/acc": value, "val/loss": 1.0}}
            )
            + "\n"
            for epoch, value in enumerate(curve, 1)
        ]
        (space.ws.run_dir(run["id"]) / "events.jsonl").write_text("".join(lines))
        space.finish(run["id"], "done", max(curve))


def test_best_last_and_mean_last_k_read_each_runs_epochs(space):
    _runs_with_curves(space)
    best = compare(space.ws, "BaselineVsCLSFER", by="model.name").pairs[0]
    last = compare(space.ws, "BaselineVsCLSFER", by="model.name", epoch=parse_epoch("last")).pairs[0]
    mean2 = compare(space.ws, "BaselineVsCLSFER", by="model.name", epoch=parse_epoch("mean-last-2")).pairs[0]
    assert abs(best.mean_diff - (86.0 - 84.0)) < 1e-9  # at its best epoch clsfer leads by 2
    assert abs(last.mean_diff - (81.0 - 84.0)) < 1e-9  # at the last it trails by 3
    expected = statistics.fmean([86.0, 81.0]) - statistics.fmean([82.0, 84.0])
    assert abs(mean2.mean_diff - expected) < 1e-9
    out = (
        CliRunner()
        .invoke(
            app,
            [
                "--workspace",
                str(space.root),
                "compare",
                "BaselineVsCLSFER",
                "--by",
                "model.name",
                "--epoch",
                "mean-last-2",
                "--format",
                "md",
            ],
        )
        .output
    )
    assert "values: each run's mean-last-2 epoch (--epoch)" in out
    assert "--epoch mean-last-2 averages epochs" in out


def test_a_bad_epoch_rule_is_a_user_error(space):
    _runs_with_curves(space)
    result = CliRunner().invoke(
        app,
        ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--epoch", "mean-last-0"],
    )
    assert result.exit_code == 2 and "--epoch: expected best, last or mean-last-K" in result.output
