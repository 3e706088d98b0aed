"""The A − B difference from the mixed model: it equals statsmodels' REML MixedLM, and a seeded
simulation of the whole procedure shows its interval covers, its "varies" and "beyond noise"
words are rare when false, and its power figure matches the power it has."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from fertui.sweeps.mixed import PairedValue, fit_difference
from fertui.sweeps.planning import plan, procedure_power


def _layout(rng, delta: float, sigma: float, tau: float, seeds_a: list[int], seeds_b: list[int]) -> list[PairedValue]:
    """One simulated sweep: per LR a shared LR effect, an interaction on B, seed noise on every run."""
    values = []
    for na, nb in zip(seeds_a, seeds_b):
        lr_effect = rng.normal(84, 1)
        a = lr_effect + rng.normal(0, sigma, na)
        b = lr_effect + delta + rng.normal(0, tau) + rng.normal(0, sigma, nb)
        values.append(PairedValue(tuple(a), tuple(b)))
    return values


def _long_frame(values: list[PairedValue]):
    import pandas as pd

    rows = [
        {"y": y, "b": side, "lr": lr, "model": "AB"[side]}
        for lr, v in enumerate(values)
        for side, ys in ((0, v.a), (1, v.b))
        for y in ys
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seeds_b", [[3] * 6, [2, 3, 2, 3, 2, 3]])
def test_the_reduced_fit_is_statsmodels_reml_mixedlm(seeds_b):
    import statsmodels.formula.api as smf

    values = _layout(np.random.default_rng(4), 0.5, 0.4, 0.3, [3] * 6, seeds_b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns about its own boundary handling
        model = smf.mixedlm(
            "y ~ b", _long_frame(values), groups="lr", re_formula="1", vc_formula={"cell": "0 + C(model)"}
        ).fit(reml=True)
    fit = fit_difference(values)
    assert fit.reml and fit.df == 5
    # Balanced: the same fit; unbalanced: the LR means carry a sliver of information we leave out.
    tolerance = 1e-4 if len(set(seeds_b)) == 1 else 0.05
    assert abs(fit.estimate - model.fe_params["b"]) <= tolerance * model.bse["b"] * 20
    assert fit.model_se == pytest.approx(model.bse["b"], rel=tolerance)
    assert fit.seed_var == pytest.approx(model.scale, rel=tolerance)


def test_seed_paired_fit_is_mixedlm_on_the_paired_differences():
    import pandas as pd
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(8)
    values = []
    for _ in range(5):
        shared = rng.normal(0, 2, 3)  # a seed's data order moves both models alike
        a = 84 + shared + rng.normal(0, 0.2, 3)
        b = 84.3 + rng.normal(0, 0.2) + shared + rng.normal(0, 0.2, 3)
        values.append(PairedValue(tuple(a), tuple(b), (0, 1, 2), (0, 1, 2)))
    frame = pd.DataFrame([{"d": y - x, "lr": lr} for lr, v in enumerate(values) for x, y in zip(v.a, v.b)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = smf.mixedlm("d ~ 1", frame, groups="lr").fit(reml=True)
    fit = fit_difference(values)
    assert fit.data.seed_paired and fit.estimate == pytest.approx(model.fe_params["Intercept"], abs=1e-6)
    assert fit.model_se == pytest.approx(model.bse["Intercept"], rel=1e-3)


def test_one_seed_per_cell_falls_back_to_the_paired_t_and_says_so():
    values = [PairedValue((84.0,), (84.0 + d,)) for d in (0.6, 0.3, 0.7, 0.3, 1.8)]
    fit = fit_difference(values)
    assert not fit.reml and "paired t" in fit.method and "one seed per cell" in fit.method
    assert fit.interaction is None and plan(fit) is None
    assert fit.estimate == pytest.approx(0.74) and fit.df == 4


def _simulate(rng, reps, delta, sigma, tau, seeds_a, seeds_b, effect=None):
    covered = varies = beyond = 0
    powers = []
    for _ in range(reps):
        fit = fit_difference(_layout(rng, delta, sigma, tau, seeds_a, seeds_b))
        covered += fit.low <= delta <= fit.high
        varies += bool(fit.interaction and fit.interaction.rejects)
        beyond += fit.excludes_zero
        found = plan(fit, effect) if effect is not None else None
        if found is not None and found.power_now is not None:
            powers.append(found.power_now)
    return covered / reps, varies / reps, beyond / reps, powers


NOTES_LAYOUT = ([2, 1, 1, 1, 1], [1] * 5)  # 5 LRs, one seed, one repeated Baseline point
THREE_SEEDS = ([3] * 5, [3] * 5)


def test_simulation_coverage_false_varies_and_false_beyond_noise():
    rng = np.random.default_rng(2027)
    # No difference and no interaction: the three rates the words depend on.
    for seeds, reps in ((THREE_SEEDS, 1200), (NOTES_LAYOUT, 1200)):
        coverage, varies, beyond, _ = _simulate(rng, reps, 0.0, 0.4, 0.0, *seeds)
        assert 0.93 <= coverage <= 0.97, (seeds, coverage)
        assert varies <= 0.07, (seeds, varies)
        assert beyond <= 0.07, (seeds, beyond)
    # An interaction as large as the seed noise: the interval still covers the mean difference.
    coverage, _, _, _ = _simulate(rng, 800, 0.3, 0.4, 0.4, *THREE_SEEDS)
    assert 0.93 <= coverage <= 0.97, coverage


def test_simulation_power_figure_matches_the_simulated_power_at_the_stated_effect():
    rng = np.random.default_rng(5)
    effect, sigma, tau = 0.5, 0.4, 0.15
    _, _, rejected, printed = _simulate(rng, 800, effect, sigma, tau, *THREE_SEEDS, effect=effect)
    at_truth = procedure_power(effect, sigma**2, tau**2, 2 / 3, 5)
    assert abs(at_truth - rejected) <= 0.05, (at_truth, rejected)
    assert abs(float(np.median(printed)) - rejected) <= 0.10, (np.median(printed), rejected)


def test_tied_differences_still_give_an_interval_of_some_width():
    # Two LRs whose B - A differences tie exactly (accuracies are counts of test images): the
    # Knapp-Hartung spread is 0, and the interval must not collapse onto the estimate.
    values = [
        PairedValue((60.0, 60.2, 59.8), (60.16, 60.36, 59.96)),
        PairedValue((58.0, 58.3, 57.7), (58.16, 58.46, 57.86)),
    ]
    fit = fit_difference(values)
    assert fit.reml and fit.estimate == pytest.approx(0.16)
    assert fit.high - fit.low > fit.model_se
