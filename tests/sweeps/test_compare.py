"""Baseline vs CLSFER: winner per LR, wins, mean difference, exact sign test."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare, sign_test

# The notes' table (accuracy %, one seed): CLSFER wins at all five LRs.
NOTES = {
    3.2e-5: (82.986, 83.638),
    1.8e-5: (84.452, 84.778),
    1e-5: (83.67, 84.387),
    5.6e-6: (84.713, 85.039),
    3.2e-6: (83.605, 85.398),
}
COMPARE = """
    [job]
    command = ["true"]
    [sweep]
    name = "BaselineVsCLSFER"
    [sweep.axes]
    "model.name" = ["baseline_ir50", "clsfer_ir50"]
    "optim.lr" = [3.2e-6, 5.6e-6, 1e-5, 1.8e-5, 3.2e-5]
"""


@pytest.mark.parametrize(
    "wins, losses, p", [(5, 0, 0.0625), (3, 2, 1.0), (9, 1, 22 / 1024), (0, 0, 1.0), (10, 0, 2 / 1024)]
)
def test_sign_test_is_the_exact_two_sided_binomial(wins, losses, p):
    assert math.isclose(sign_test(wins, losses), p)
    assert sign_test(losses, wins) == sign_test(wins, losses)


def test_compare_table_winners_wins_difference_and_p_value(space):
    space.add("cmp.toml", COMPARE)
    for run in space.runs():
        base, cls = NOTES[run["params"]["optim.lr"]]
        space.finish(run["id"], "done", cls if run["params"]["model.name"] == "clsfer_ir50" else base)
    result = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    assert result.by_values == ["baseline_ir50", "clsfer_ir50"]
    assert [row.across_value for row in result.rows] == sorted(NOTES)
    assert all(row.winner == "clsfer_ir50" for row in result.rows)
    assert result.wins == {"baseline_ir50": 0, "clsfer_ir50": 5}
    (pair,) = result.pairs
    expected = sum(c - b for b, c in NOTES.values()) / 5
    assert math.isclose(pair.mean_diff, expected) and (pair.b_wins, pair.a_wins, pair.ties) == (5, 0, 0)
    assert pair.p_value == 0.0625
    out = (
        CliRunner()
        .invoke(
            app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--format", "md"]
        )
        .output
    )
    assert "| 3.2e-6 | 83.61 | **85.40** | clsfer_ir50 |" in out
    assert "| wins | 0 | 5 |  |" in out
    low, high = pair.interval.low, pair.interval.high
    assert low < expected < high
    assert (
        f"clsfer_ir50 − baseline_ir50 = +{expected:.2f} points (95 % CI {low:+.2f}…{high:+.2f}) over 5 LRs "
        "× 1 seed, the mean difference over the tried LRs: clsfer_ir50 ahead"
    ) in out
    assert "one seed per cell, seed noise unknown" in out and "interaction: not testable" in out
    assert "p = 0.0625" in out


def test_compare_with_one_value_is_a_user_error(space):
    space.add("cmp.toml", COMPARE.replace('["baseline_ir50", "clsfer_ir50"]', '["clsfer_ir50"]'))
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name"]
    )
    assert result.exit_code == 2 and "nothing to compare" in result.output
