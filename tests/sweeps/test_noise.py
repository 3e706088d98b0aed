"""Seed noise and the verdict on replicates drawn from known normal distributions, through the
real store and CLI (the model's statistics themselves: test_mixed.py)."""

from __future__ import annotations

import json
import math

import numpy as np
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare
from fertui.sweeps.noise import pooled_sd

LRS = [3.2e-6, 5.6e-6, 1e-5, 1.8e-5, 3.2e-5]
COMPARE = """
    [job]
    command = ["true"]
    [sweep]
    name = "BaselineVsCLSFER"
    seeds = SEEDS
    [sweep.axes]
    "model.name" = ["baseline_ir50", "clsfer_ir50"]
    "optim.lr" = [3.2e-6, 5.6e-6, 1e-5, 1.8e-5, 3.2e-5]
"""


def test_pooled_sd_is_the_within_cell_sd():
    noise = pooled_sd([[1.0, 3.0], [10.0, 11.0, 12.0], [5.0]])
    # squares: 2 + 2 = 4 over (1 + 2) df
    assert math.isclose(noise.sd, math.sqrt(4 / 3)) and (noise.df, noise.cells) == (3, 2)
    assert pooled_sd([[1.0], [2.0]]).sd is None


def _queue(space, seeds: str):
    space.add("cmp.toml", COMPARE.replace("SEEDS", seeds))


def _finish_normal(space, means: dict, seed_sd: float, rng):
    for run in space.runs():
        p = run["params"]
        space.finish(run["id"], "done", float(means[p["model.name"]][p["optim.lr"]] + rng.normal(0, seed_sd)))


def _cli(space, *args):
    return CliRunner().invoke(
        app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", *args]
    )


def test_verdict_beyond_noise_on_known_normal_replicates(space):
    rng = np.random.default_rng(3)
    base = {lr: 84.0 + 0.3 * i for i, lr in enumerate(LRS)}
    means = {"baseline_ir50": base, "clsfer_ir50": {lr: v + 0.8 for lr, v in base.items()}}
    _queue(space, "[0, 1, 2]")
    _finish_normal(space, means, 0.17, rng)
    result = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    (pair,) = result.pairs
    assert 0.1 < result.noise.sd < 0.3 and result.noise.df == 10 * 2
    assert pair.interval.low < 0.8 < pair.interval.high and pair.interval.low > 0
    out = _cli(space, "--format", "md").output
    line = next(ln for ln in out.splitlines() if ln.startswith("clsfer_ir50 − baseline_ir50"))
    assert f"= {pair.mean_diff:+.2f} points (95 % CI {pair.interval.low:+.2f}…{pair.interval.high:+.2f})" in line
    assert "over 5 LRs × 3 seeds, the mean difference over the tried LRs" in line
    assert "clsfer_ir50 ahead beyond seed and LR noise" in line
    assert "REML mixed model, model × LR interaction random" in out and "p = 0.0625" in out
    test = pair.fit.interaction
    # Both models ran seeds 0, 1, 2: the within part is the seed-paired differences, 5 × 2 df.
    assert (test.df1, test.df2) == (4, 10) and f"model × LR interaction: F(4, 10) = {test.f:.2f}" in out
    assert not test.rejects and "— no evidence that the difference varies across optim.lr values" in out
    doc = json.loads(_cli(space, "--format", "json").output)
    assert doc["pairs"][0]["ci95"] == [pair.interval.low, pair.interval.high]


def test_verdict_within_noise_says_how_many_more_seeds(space):
    rng = np.random.default_rng(11)
    means = {"baseline_ir50": {lr: 84.0 for lr in LRS}, "clsfer_ir50": {lr: 84.1 for lr in LRS}}
    _queue(space, "[0, 1]")
    _finish_normal(space, means, 0.6, rng)
    result = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    (pair,) = result.pairs
    assert not pair.interval.excludes_zero and pair.seeds_needed is not None and pair.seeds_needed > 2
    out = " ".join(_cli(space).output.split())
    assert "not resolved — the interval holds 0" in out
    more = pair.seeds_needed - 2
    assert (
        f"planning at ±0.5 points (--effect): power now {pair.plan.power_now * 100:.0f} %; {pair.seeds_needed} seeds "
        f"per cell ({more} more) give 80 %"
    ) in out
    bigger = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr", effect=2.0).pairs[0]
    assert bigger.plan.power_now > pair.plan.power_now and bigger.seeds_needed < pair.seeds_needed


def test_one_seed_says_noise_unknown_and_enqueue_replicates_the_best_lr_of_each(space):
    _queue(space, "[0]")
    best = {"baseline_ir50": 5.6e-6, "clsfer_ir50": 3.2e-6}
    for run in space.runs():
        p = run["params"]
        space.finish(run["id"], "done", 85.0 if best[p["model.name"]] == p["optim.lr"] else 84.0)
    out = _cli(space, "--format", "md").output
    assert "one seed per cell, seed noise unknown" in " ".join(out.split()) and "--enqueue" in out
    result = _cli(space, "--format", "md", "--enqueue")
    assert result.exit_code == 0, result.output
    queued = [r for r in space.runs() if r["status"] == "queued"]
    assert sorted((r["params"]["model.name"], r["params"]["optim.lr"], r["params"]["run.seed"]) for r in queued) == [
        ("baseline_ir50", 5.6e-6, 1),
        ("baseline_ir50", 5.6e-6, 2),
        ("clsfer_ir50", 3.2e-6, 1),
        ("clsfer_ir50", 3.2e-6, 2),
    ]
    assert "queued 4 replicate run(s)" in result.output
    again = _cli(space, "--enqueue")
    assert again.exit_code == 2 and "nothing to queue" in again.output


def test_same_seeds_on_both_sides_measure_the_noise_of_the_difference(space):
    # A seed's data order and init move both models alike (shared offset, sd 2), their own noise is small (0.1).
    rng = np.random.default_rng(2)
    shared = {0: -2.0, 1: 0.0, 2: 2.0}
    _queue(space, "[0, 1, 2]")
    for run in space.runs():
        p = run["params"]
        bonus = 0.3 if p["model.name"] == "clsfer_ir50" else 0.0
        space.finish(run["id"], "done", float(84 + bonus + shared[p["run.seed"]] + rng.normal(0, 0.1)))
    result = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    (pair,) = result.pairs
    assert result.noise.sd > 1.0 and pair.fit.data.seed_paired and pair.fit.seed_var < 0.3**2  # shared part cancels
    assert pair.interval.excludes_zero and "ahead beyond seed and LR noise" in " ".join(_cli(space).output.split())


def test_a_real_interaction_says_varies_and_plans_no_seeds(space):
    rng = np.random.default_rng(7)
    swing = [1.5, -1.5, 1.5, -1.5, 1.5]  # CLSFER wins at some LRs and loses at others
    means = {"baseline_ir50": {lr: 84.0 for lr in LRS}, "clsfer_ir50": {lr: 84.0 + s for lr, s in zip(LRS, swing)}}
    _queue(space, "[0, 1, 2]")
    _finish_normal(space, means, 0.2, rng)
    (pair,) = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr").pairs
    assert pair.fit.interaction.rejects and pair.seeds_needed is None
    assert "varies" in pair.plan.why_not
    out = " ".join(_cli(space).output.split())
    assert "— the difference varies across optim.lr values (sd" in out
    assert "not seeds: the difference varies across values" in out
