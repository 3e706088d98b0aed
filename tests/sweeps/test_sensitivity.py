"""LR sensitivity windows on known parabolas in log LR."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.metrics import Direction
from fertui.sweeps.sensitivity import lr_text, lr_window, sensitivity
from tests.sweeps.conftest import DEPTH_LR


def parabola(peak_exp: float, curvature: float, exps: list[float], top: float = 85.0):
    return [(10**x, top - curvature * (x - peak_exp) ** 2) for x in exps]


def test_fine_grid_window_is_the_parabolas_width():
    exps = [-6 + i / 20 for i in range(61)]  # 1e-6 .. 1e-3, 20 per decade
    w = lr_window(parabola(-4.5, 2.0, exps), delta=0.5)
    assert math.isclose(w.decades, 2 * math.sqrt(0.5 / 2.0), abs_tol=0.01)  # 1 decade
    assert math.isclose(w.best_lr, 10**-4.5) and not (w.open_low or w.open_high)


def test_coarse_grid_interpolates_linearly_in_log_lr():
    # y = best - 5 (x + 4.5)^2 at x = -5, -4.75, ..., -4: crossings at -4.8 and -4.2 exactly.
    w = lr_window(parabola(-4.5, 5.0, [-5, -4.75, -4.5, -4.25, -4]), delta=0.5)
    assert math.isclose(math.log10(w.low_lr), -4.8) and math.isclose(math.log10(w.high_lr), -4.2)
    assert math.isclose(w.decades, 0.6)


def test_lr_text():
    assert [lr_text(v) for v in (1e-5, 4.6415e-4, 3.2e-6, 1.0)] == ["1e-5", "4.6e-4", "3.2e-6", "1e0"]


def test_window_touching_the_grid_edge_is_open_ended():
    w = lr_window(parabola(-6.0, 0.5, [-6, -5.5, -5, -4.5, -4]), delta=0.5)
    assert w.open_low and not w.open_high
    assert math.isclose(math.log10(w.low_lr), -6) and math.isclose(math.log10(w.high_lr), -5)


def test_minimised_objective_uses_the_window_above_the_minimum():
    points = [(lr, 100 - y) for lr, y in parabola(-4.5, 5.0, [-5, -4.75, -4.5, -4.25, -4])]
    assert math.isclose(lr_window(points, 0.5, Direction.MINIMIZE).decades, 0.6)


def test_sweep_windows_per_depth_and_the_isolation_view(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()  # conftest.accuracy: 80 + depth - 5 (log10 lr + 4.5)^2 + 0.5 seed
    key, rows = sensitivity(space.ws, "DepthLR")
    assert key == "model.depth" and [r.value for r in rows] == [2, 4]
    for r in rows:  # the grid's LRs are rounded (3.2e-5 for 10**-4.5): 0.6 decades to within 0.01
        assert math.isclose(r.window.decades, 0.6, abs_tol=0.01) and r.window.best_lr == 3.2e-5
        assert not (r.window.open_low or r.window.open_high)
    out = CliRunner().invoke(app, ["--workspace", str(space.root), "board", "DepthLR", "--view", "isolation"]).output
    w = rows[1].window
    assert (
        f"depth 4: best {w.best:.2f} at 3.2e-5, within 0.5 over {w.decades:.2f} decades "
        f"({lr_text(w.low_lr)}…{lr_text(w.high_lr)})"
    ) in " ".join(out.split())
    doc = json.loads(
        CliRunner()
        .invoke(
            app,
            [
                "--workspace",
                str(space.root),
                "board",
                "DepthLR",
                "--view",
                "isolation",
                "--format",
                "json",
                "--delta",
                "2",
            ],
        )
        .output
    )
    for record in doc["lr_sensitivity"]:  # every LR is within 2 points: the window is the whole grid, open
        assert record["open_low"] and record["open_high"] and record["decades"] == pytest.approx(1.0)
    wide = (
        CliRunner()
        .invoke(app, ["--workspace", str(space.root), "board", "DepthLR", "--view", "isolation", "--delta", "2"])
        .output
    )
    wide = " ".join(wide.split())
    assert "over at least 1.00 decades" in wide and "open-ended below the grid" in wide
