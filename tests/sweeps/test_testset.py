"""The test set's noise: McNemar is the exact binomial on discordant images; the paired
bootstrap's SD matches the binomial formula for a difference of two accuracies; a comparison
whose runs stored predictions widens its interval by it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.compare import compare
from fertui.sweeps.testset import bootstrap_sd, mcnemar
from fertui.train.predictions import save_predictions
from tests.sweeps.test_compare import COMPARE


def test_mcnemar_counts_only_discordant_images():
    a = [1] * 50 + [1] * 10 + [0] * 2 + [0] * 38
    b = [1] * 50 + [0] * 10 + [1] * 2 + [0] * 38
    found = mcnemar(a, b)
    assert (found.a_only, found.b_only) == (10, 2)
    assert math.isclose(found.p, 2 * sum(math.comb(12, i) for i in range(3)) / 2**12)
    assert mcnemar(a, a).p == 1.0


def test_bootstrap_sd_matches_the_binomial_sd_of_a_paired_difference():
    rng = np.random.default_rng(0)
    n = 3068
    a = (rng.random(n) < 0.84).astype(int)
    b = np.where(rng.random(n) < 0.9, a, 1 - a)  # B agrees with A on 90 % of the images
    discordant = float(np.mean(a != b))
    mean_diff = float(np.mean(b) - np.mean(a))
    analytic = 100 * math.sqrt((discordant - mean_diff**2) / n)
    found = bootstrap_sd([([a.tolist()], [b.tolist()])], [1.0])
    assert found == pytest.approx(analytic, rel=0.1)


def test_compare_adds_the_test_set_noise_when_runs_stored_predictions(space):
    space.add("cmp.toml", COMPARE.replace('name = "BaselineVsCLSFER"', 'name = "BaselineVsCLSFER"\n    seeds = [0, 1]'))
    rng = np.random.default_rng(1)
    targets = bytes(rng.integers(0, 7, 400).tolist())
    for run in space.runs():
        p = run["params"]
        skill = 0.80 + (0.02 if p["model.name"] == "clsfer_ir50" else 0.0)
        right = rng.random(400) < skill
        predicted = bytes(t if ok else (t + 1) % 7 for t, ok in zip(targets, right))
        save_predictions(space.ws.run_dir(run["id"]), 1, predicted, targets, 7, True)
        space.finish(run["id"], "done", 100 * float(np.mean(right)))
    (pair,) = compare(space.ws, "BaselineVsCLSFER", by="model.name").pairs
    test = pair.testset
    assert test is not None and test.images == 400 and test.sd > 0
    assert test.low < pair.fit.low and test.high > pair.fit.high  # wider than seed and LR noise alone
    assert math.isclose(test.high - test.low, 2 * (test.high - pair.fit.estimate))
    out = CliRunner().invoke(
        app, ["--workspace", str(space.root), "compare", "BaselineVsCLSFER", "--by", "model.name", "--format", "json"]
    )
    doc = json.loads(out.output)["pairs"][0]
    assert doc["test_set"]["images"] == 400 and doc["test_set"]["ci95"] == [test.low, test.high]
    assert doc["epoch"] == "best"
