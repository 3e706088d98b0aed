"""Seed noise: the 95 % interval covers, the power estimate matches simulation, the verdict
reads right on replicates drawn from known normal distributions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare
from fertui.sweeps.noise import paired_t_interval, pooled_sd, seeds_needed, unpaired_diff_sd

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


def simulate_diffs(rng, sims: int, delta: float, lr_sd: float, seed_sd: float, n_lr: int, seeds: int):
    """Per-LR differences of cell means: a true per-LR effect plus the two cells' seed means."""
    per_lr = delta + rng.normal(0, lr_sd, (sims, n_lr))
    noise_a = rng.normal(0, seed_sd, (sims, n_lr, seeds)).mean(axis=2)
    noise_b = rng.normal(0, seed_sd, (sims, n_lr, seeds)).mean(axis=2)
    return per_lr + noise_b - noise_a


def test_the_95_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(17)
    delta = 0.4
    diffs = simulate_diffs(rng, 2000, delta, lr_sd=0.3, seed_sd=0.4, n_lr=5, seeds=3)
    covered = 0
    for row in diffs:
        iv = paired_t_interval(list(row))
        covered += iv.low <= delta <= iv.high
    assert 0.93 <= covered / len(diffs) <= 0.97


def test_pooled_sd_is_the_within_cell_sd():
    noise = pooled_sd([[1.0, 3.0], [10.0, 11.0, 12.0], [5.0]])
    # squares: 2 + 2 = 4 over (1 + 2) df
    assert math.isclose(noise.sd, math.sqrt(4 / 3)) and (noise.df, noise.cells) == (3, 2)
    assert pooled_sd([[1.0], [2.0]]).sd is None


def simulated_seeds_needed(rng, delta, seed_sd, lr_sd, n_lr, target=0.8, sims=4000, limit=80) -> int:
    """The fewest seeds at which a simulated paired t test at 5 % rejects TARGET of the time."""
    from scipy import stats

    crit = stats.t.ppf(0.975, n_lr - 1)
    for seeds in range(1, limit + 1):
        d = simulate_diffs(rng, sims, delta, lr_sd, seed_sd, n_lr, seeds)
        t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(n_lr))
        if (np.abs(t) > crit).mean() >= target:
            return seeds
    raise AssertionError("not reached")


@pytest.mark.parametrize("delta, seed_sd, lr_sd, n_lr", [(0.3, 0.5, 0.0, 5), (0.3, 0.5, 0.1, 5),
                                                         (0.2, 0.3, 0.05, 8), (1.0, 1.5, 0.2, 4)])
def test_seeds_needed_matches_simulation_within_a_factor_of_1_5(delta, seed_sd, lr_sd, n_lr):
    predicted = seeds_needed(delta, unpaired_diff_sd(seed_sd), lr_sd, n_lr)  # simulate_diffs: independent runs
    simulated = simulated_seeds_needed(np.random.default_rng(5), delta, seed_sd, lr_sd, n_lr)
    assert predicted is not None and simulated / 1.5 <= predicted <= simulated * 1.5


def test_seeds_cannot_resolve_a_difference_hidden_by_lr_to_lr_spread():
    # With tau = 1.0 over 5 LRs the standard error never drops below 0.45: 0.1 stays hidden.
    assert seeds_needed(0.1, unpaired_diff_sd(0.2), 1.0, 5) is None


def _queue(space, seeds: str):
    space.add("cmp.toml", COMPARE.replace("SEEDS", seeds))


def _finish_normal(space, means: dict, seed_sd: float, rng):
    for run in space.runs():
        p = run["params"]
        space.finish(run["id"], "done", float(means[p["model.name"]][p["optim.lr"]] + rng.normal(0, seed_sd)))


def _cli(space, *args):
    return CliRunner().invoke(app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER",
                                    "--by", "model.name", *args])


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
    assert "over 5 LRs × 3 seeds" in line and f"seed noise sd {result.noise.sd:.2f}: beyond noise" in line
    assert "paired t over the 5 LRs (4 df" in out and "p = 0.0625" in out
    doc = json.loads(_cli(space, "--format", "json").output)
    assert doc["pairs"][0]["ci95"] == [pair.interval.low, pair.interval.high]


def test_verdict_within_noise_says_how_many_more_seeds(space):
    rng = np.random.default_rng(11)
    means = {"baseline_ir50": {lr: 84.0 for lr in LRS}, "clsfer_ir50": {lr: 84.1 for lr in LRS}}
    _queue(space, "[0, 1]")
    _finish_normal(space, means, 0.6, rng)
    result = compare(space.ws, "BaselineVsCLSFER", by="model.name", across="optim.lr")
    (pair,) = result.pairs
    assert not pair.interval.excludes_zero and pair.seeds_needed is not None
    out = _cli(space).output
    more = max(1, pair.seeds_needed - 2)
    assert f"within seed noise — about {more} more seed" in " ".join(out.split())


def test_one_seed_says_noise_unknown_and_enqueue_replicates_the_best_lr_of_each(space):
    _queue(space, "[0]")
    best = {"baseline_ir50": 5.6e-6, "clsfer_ir50": 3.2e-6}
    for run in space.runs():
        p = run["params"]
        space.finish(run["id"], "done", 85.0 if best[p["model.name"]] == p["optim.lr"] else 84.0)
    out = _cli(space, "--format", "md").output
    assert "seed noise unknown (one seed per cell)" in out and "--enqueue" in out
    result = _cli(space, "--format", "md", "--enqueue")
    assert result.exit_code == 0, result.output
    queued = [r for r in space.runs() if r["status"] == "queued"]
    assert sorted((r["params"]["model.name"], r["params"]["optim.lr"], r["params"]["run.seed"]) for r in queued) == [
        ("baseline_ir50", 5.6e-6, 1), ("baseline_ir50", 5.6e-6, 2),
        ("clsfer_ir50", 3.2e-6, 1), ("clsfer_ir50", 3.2e-6, 2)]
    assert "queued 4 replicate run(s)" in result.output
    again = _cli(space, "--enqueue")
    assert again.exit_code == 2 and "nothing to queue" in again.output


def test_unreachable_power_says_why():
    from fertui.sweeps.noise import seeds_can_resolve

    # 3 LRs (2 df, t = 4.30) and a small difference: seeds could resolve it in principle...
    assert seeds_can_resolve(0.8, 0.0, 3) and seeds_needed(0.8, 9.0, 0.0, 3) is None  # ...but not in 200
    # ...while a spread of the per-LR differences as large as the difference itself caps the power.
    assert not seeds_can_resolve(0.1, 1.0, 5)


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
    assert result.noise.sd > 1.0 and pair.diff_noise.sd < 0.3  # the shared part cancels in B − A
    assert pair.interval.excludes_zero and "beyond noise" in _cli(space).output
