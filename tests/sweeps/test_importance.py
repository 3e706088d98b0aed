"""``fertui importance``: on a sweep whose objective depends only on LR, LR carries the
importance and TOST clears the irrelevant knob; a weight decay that moves with LR shows in the
two-way ANOVA's interaction."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.importance_run import run_importance

LR_ONLY = """
    [job]
    command = ["true"]
    [sweep]
    name = "LrOnly"
    seeds = [0, 1]
    [sweep.axes]
    "optim.lr" = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3]
    "optim.eps" = [1e-8, 1e-6, 1e-4]
"""
WD_BY_LR = """
    [job]
    command = ["true"]
    [sweep]
    name = "WdByLr"
    seeds = [0, 1]
    [sweep.axes]
    "optim.lr" = [1e-4, 3e-4, 1e-3]
    "optim.weight_decay" = [0.0, 0.05]
"""


def lr_curve(lr: float) -> float:
    return 84.0 - 3.0 * (math.log10(lr) + 4.0) ** 2


def _finish(space, value_of, sd: float, seed: int):
    rng = np.random.default_rng(seed)
    for run in space.runs():
        space.finish(run["id"], "done", float(value_of(run["params"]) + rng.normal(0, sd)))


def test_an_lr_only_objective_ranks_lr_first_and_clears_eps(space):
    space.add("lr.toml", LR_ONLY)
    _finish(space, lambda p: lr_curve(p["optim.lr"]), 0.1, 3)
    result = run_importance(space.ws, "LrOnly", effect=0.5, bootstrap=60)
    (ped,) = [r for r in result.reports if r.evaluator == "PED-ANOVA"]
    lr = next(r for r in ped.rows if r.key == "optim.lr")
    assert ped.rows[0].key == "optim.lr" and lr.value >= 0.8, ped.rows
    assert lr.low is not None and lr.low <= lr.value <= lr.high
    eps = next(e for e in result.equivalences if e.key == "optim.eps")
    assert eps.equivalent and len(eps.pairs) == 3
    lr_eq = next(e for e in result.equivalences if e.key == "optim.lr")
    assert not lr_eq.equivalent
    out = CliRunner().invoke(app, ["--workspace", str(space.root), "importance", "LrOnly", "--bootstrap", "40"])
    assert out.exit_code == 0, out.output
    assert "optim.eps has no effect larger than 0.5 points (90 % CI" in out.output
    assert "optim.lr has an effect larger than 0.5 points" in out.output
    assert "PED-ANOVA importance" in out.output


def test_a_weight_decay_that_depends_on_lr_shows_in_the_two_way_anova(space):
    space.add("wd.toml", WD_BY_LR)
    # Weight decay helps at the small LR and hurts at the large one: an interaction, no main effect.
    _finish(
        space,
        lambda p: lr_curve(p["optim.lr"]) + (1.0 if (p["optim.weight_decay"] > 0) == (p["optim.lr"] < 3e-4) else 0.0),
        0.1,
        4,
    )
    out = CliRunner().invoke(
        app, ["--workspace", str(space.root), "importance", "WdByLr", "--bootstrap", "0", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    terms = {t["term"]: t for t in doc["anova"]["terms"]}
    assert doc["anova"]["keys"] == ["optim.weight_decay", "optim.lr"]
    inter = terms["optim.weight_decay × optim.lr"]
    assert inter["p"] < 0.001 and (inter["df"], inter["df_resid"]) == (2, 6)
    text = CliRunner().invoke(app, ["--workspace", str(space.root), "importance", "WdByLr", "--bootstrap", "0"])
    assert "weight_decay depends on lr: yes, at 5 %" in text.output


def test_a_bad_anova_key_is_one_clear_line(space):
    space.add("lr.toml", LR_ONLY)
    _finish(space, lambda p: lr_curve(p["optim.lr"]), 0.1, 5)
    out = CliRunner().invoke(
        app, ["--workspace", str(space.root), "importance", "LrOnly", "--anova", "optim.lr,model.depth"]
    )
    assert out.exit_code == 2 and "--anova: model.depth is not an axis of sweep 'LrOnly'" in out.output


def test_tied_cell_differences_never_make_a_zero_width_tost_interval():
    from fertui.sweeps.equivalence import equivalence
    from fertui.sweeps.results import Observation

    # Two LRs; the model's B - A difference is exactly +0.16 at both (ties are common with
    # counts of test images), while the seeds vary by ~0.2 inside every cell.
    values = {(1e-3, "a"): [60.0, 60.2, 59.8], (1e-3, "b"): [60.16, 60.36, 59.96]}
    values |= {(2e-3, "a"): [58.0, 58.3, 57.7], (2e-3, "b"): [58.16, 58.46, 57.86]}
    observations = [
        Observation(f"{i:05d}", "run", "done", {"optim.lr": lr, "model.name": name}, seed, v)
        for i, ((lr, name), seeds) in enumerate(values.items())
        for seed, v in enumerate(seeds)
    ]
    eq = equivalence("model.name", ["optim.lr", "model.name"], observations, effect=0.5)
    (pair,) = eq.pairs
    assert pair.diff == pytest.approx(0.16) and pair.high - pair.low > 0.3
    assert not eq.equivalent  # two cells and seed sd ~0.2 cannot rule out 0.5 points
