"""The verdict, the planning line and --enqueue read one interval: the widest there is (with the
test set's noise when the runs stored per-image predictions). "No difference as large as E" is
judged on it; a plan's --enqueue advice is printed exactly where --enqueue queues; and where the
test set's noise alone keeps 80 % power out of reach, no seed count is given."""

from __future__ import annotations

import shutil

import numpy as np
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare
from fertui.sweeps.planning import TEST_SET, plan
from fertui.sweeps.replicates import PLANNED, enqueue_advice
from fertui.sweeps.testset import FOLDER
from fertui.train.predictions import save_predictions
from tests.sweeps.test_compare import COMPARE

SWEEP = "BaselineVsCLSFER"


def _sweep(
    space, means: dict[str, float], seed_sd: float, images: int, a_only: int, b_only: int, seed: int, seeds="[0, 1]"
):
    """Two seeds per cell (SEEDS), both models on the same seeds; every run scored on IMAGES images
    where B alone gets B_ONLY right and A alone A_ONLY (a couple more flipped per run, as seeds do)."""
    space.add("cmp.toml", COMPARE.replace(f'name = "{SWEEP}"', f'name = "{SWEEP}"\n    seeds = {seeds}'))
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 7, images)
    a = rng.random(images) < 0.84
    a[:a_only], a[a_only : a_only + b_only] = True, False
    b = a.copy()
    b[:a_only], b[a_only : a_only + b_only] = False, True
    for run in space.runs():
        model = run["params"]["model.name"]
        right = (b if model == "clsfer_ir50" else a).copy()
        flips = rng.choice(np.arange(a_only + b_only, images), 2, replace=False)
        right[flips] = ~right[flips]
        predicted = np.where(right, targets, (targets + 1) % 7)
        save_predictions(space.ws.run_dir(run["id"]), 1, bytes(predicted.tolist()), bytes(targets.tolist()), 7, True)
        space.finish(run["id"], "done", float(means[model] + rng.normal(0, seed_sd)))


def _cli(space, *extra):
    return CliRunner().invoke(app, ["--workspace", str(space.root), "compare", SWEEP, "--by", "model.name", *extra])


def _lines(output: str) -> tuple[str, str]:
    lines = output.splitlines()
    verdict = next(ln for ln in lines if ln.startswith("clsfer_ir50 − baseline_ir50"))
    planning = next(ln for ln in lines if ln.lstrip().startswith("planning"))
    return verdict, planning


def test_no_difference_as_large_as_e_is_judged_on_the_interval_with_the_test_set_noise(space):
    # Seeds barely move either model (sd 0.05) but the 2,000 test images do (sd ~0.3 of the estimate).
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.02}, 0.05, 2000, 18, 18, seed=0)
    (pair,) = compare(space.ws, SWEEP, by="model.name").pairs
    assert -0.5 < pair.fit.low and pair.fit.high < 0.5  # seed and LR noise alone: inside ±0.5
    assert pair.testset.low < -0.5 and pair.testset.high > 0.5  # with the test set's noise: not
    verdict, planning = _lines(_cli(space, "--format", "md").output)
    assert verdict.endswith("not resolved — the interval holds 0") and "no difference as large" not in verdict
    # No seed count: the test set's own noise is the limit, and --enqueue is neither advised nor taken.
    assert pair.plan.limit == TEST_SET and pair.seeds_needed is None and enqueue_advice(pair) is None
    assert planning.startswith("  planning at ±0.5 points (--effect), test-set noise included: power now ")
    assert (
        (
            f"more seeds cannot establish a 0.5-point difference on this test set: its own noise (sd {pair.testset.sd:.2f})"
        )
        in planning
        and "a larger test set or a cross-dataset check can" in planning
        and "--enqueue" not in planning
    )
    refused = _cli(space, "--enqueue")
    assert refused.exit_code == 2 and "nothing to queue" in refused.output
    # At ±2 points the widened interval is inside: said, with what it covers.
    wide, _ = _lines(_cli(space, "--format", "md", "--effect", "2").output)
    assert wide.endswith("no difference as large as 2 points either way, seed, LR and test-set noise included")


def test_without_predictions_no_difference_says_the_test_set_noise_is_left_out(space):
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.02}, 0.05, 2000, 18, 18, seed=0)
    for run in space.runs():
        shutil.rmtree(space.ws.run_dir(run["id"]) / FOLDER)
    (pair,) = compare(space.ws, SWEEP, by="model.name").pairs
    assert pair.testset is None and pair.judged == (pair.fit.low, pair.fit.high)
    verdict, planning = _lines(_cli(space, "--format", "md").output)
    assert verdict.endswith(
        "no difference as large as 0.5 points either way over seed and LR noise "
        "(the interval leaves out the test set's own sampling noise)"
    )
    assert "test-set noise included" not in planning


def test_enqueue_advice_follows_the_verdicts_interval_and_is_never_refused(space):
    # Seed and LR noise alone exclude 0; the test set's noise brings 0 back in: "not yet
    # established", and seeds can still get there (the test set's sd, 0.15, is below the 0.2 limit).
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.55}, 0.35, 3000, 5, 15, seed=3)
    (pair,) = compare(space.ws, SWEEP, by="model.name", effect=0.7).pairs
    assert pair.fit.excludes_zero and not pair.testset.excludes_zero and not pair.settled
    needed = pair.seeds_needed
    assert needed is not None and needed > 2 and enqueue_advice(pair) == (PLANNED, needed)
    # The widened interval costs power: the same plan without the test set's noise asks for fewer.
    assert pair.plan.test_sd == pair.testset.sd and plan(pair.fit, 0.7).seeds_needed < needed
    verdict, planning = _lines(_cli(space, "--format", "md", "--effect", "0.7").output)
    assert "probably better, not yet established: the test set's own noise covers it" in verdict
    assert planning.endswith(
        f"{needed} seeds per cell ({needed - 2} more) give 80 % (fertui compare {SWEEP} --by model.name --enqueue)"
    )
    # At ±1.2 the widened interval lies inside: both things are said, each with what it covers.
    both, _ = _lines(_cli(space, "--format", "md", "--effect", "1.2").output)
    assert both.endswith(
        "the test set's own noise covers it; no difference as large as 1.2 points either way, "
        "seed, LR and test-set noise included"
    )
    queued = _cli(space, "--effect", "0.7", "--enqueue")
    assert queued.exit_code == 0, queued.output
    new = [r for r in space.runs() if r["status"] == "queued"]
    assert len(new) == 10 * (needed - 2)  # every paired cell up to the plan's count
    # Now queued: asking again has nothing to add, and says so.
    again = _cli(space, "--effect", "0.7", "--enqueue")
    assert again.exit_code == 2 and "nothing to queue" in again.output


def test_a_settled_verdict_prints_no_enqueue_advice(space):
    # Seed and LR noise alone exclude 0 and no predictions were stored: the verdict is judged on
    # that interval, so more seeds would not change it; the line says so and --enqueue agrees.
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.55}, 0.35, 3000, 5, 15, seed=3)
    for run in space.runs():
        shutil.rmtree(space.ws.run_dir(run["id"]) / FOLDER)
    (pair,) = compare(space.ws, SWEEP, by="model.name", effect=0.4).pairs
    assert pair.fit.excludes_zero and pair.settled and enqueue_advice(pair) is None
    assert pair.seeds_needed is not None and pair.seeds_needed > 2  # a plan that would want seeds
    _, planning = _lines(_cli(space, "--format", "md", "--effect", "0.4").output)
    assert planning.endswith(
        f"{pair.seeds_needed} seeds per cell ({pair.seeds_needed - 2} more) give 80 %, "
        "but the interval already excludes 0: more seeds would not change the verdict"
    )
    refused = _cli(space, "--effect", "0.4", "--enqueue")
    assert refused.exit_code == 2 and "nothing to queue" in refused.output


def test_cells_already_at_the_queue_cap_get_no_enqueue_advice():
    from fertui.metrics import Direction
    from fertui.sweeps.compare import Comparison, PairStat
    from fertui.sweeps.planning import Plan
    from fertui.sweeps.replicates import MAX_SEEDS_QUEUED
    from fertui.sweeps.verdict import plan_line

    cmp = Comparison(SWEEP, "val/acc", Direction.MAXIMIZE, "model.name", "optim.lr", ["a", "b"], [])
    pair = PairStat("a", "b", 5, 0.1, 0, 0, 5, 1.0, seeds=(12, 12), plan=Plan(0.5, 0.4, 20))
    assert enqueue_advice(pair) is None
    line = plan_line(cmp, pair, "fertui compare X --by model.name")
    assert "model.name --enqueue" not in line and line.endswith(
        f"20 seeds per cell (8 more) give 80 %; --enqueue stops at {MAX_SEEDS_QUEUED} per cell: "
        "more values would help, not more seeds"
    )
    below = PairStat("a", "b", 5, 0.1, 0, 0, 5, 1.0, seeds=(4, 4), plan=Plan(0.5, 0.4, 20))
    assert enqueue_advice(below) == (PLANNED, MAX_SEEDS_QUEUED)
    assert plan_line(cmp, below, "fertui compare X --by model.name").endswith(
        f"(fertui compare X --by model.name --enqueue queues up to {MAX_SEEDS_QUEUED} per cell; beyond that, more values)"
    )


def test_the_test_set_noise_is_added_to_overall_accuracy_only(space):
    # The stored predictions rescore overall accuracy: a mean-class accuracy comparison does not
    # get their noise (it would be in different units), and the test-set line says why.
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.02}, 0.05, 2000, 18, 18, seed=0)
    for run in space.runs():
        best = {**run["summary"]["best"], "val/mean_class_acc": run["summary"]["best"]["val/acc"] - 8}
        space.store.update_run(run["id"], summary={**run["summary"], "best": best})
    assert compare(space.ws, SWEEP, by="model.name").pairs[0].testset is not None
    (pair,) = compare(space.ws, SWEEP, by="model.name", metric="val/mean_class_acc").pairs
    assert pair.testset is None and pair.plan.test_sd is None
    out = _cli(space, "--metric", "val/mean_class_acc").output
    assert "the stored predictions rescore overall accuracy, not val/mean_class_acc" in " ".join(out.split())


def test_mcnemar_names_the_two_settings_and_counts_images_in_words(space):
    # One seed per cell: best vs best is one run on each side, which McNemar's test compares.
    _sweep(space, {"baseline_ir50": 84.0, "clsfer_ir50": 84.5}, 0.05, 500, 1, 9, seed=3, seeds="[0]")
    line = next(ln for ln in _cli(space).output.splitlines() if "McNemar" in ln)
    assert "only clsfer_ir50 got right" in line and "only baseline_ir50" in line, line
    assert " 1 images" not in line
