"""Planning on the interval the verdict is judged on: with the test set's noise in it, the power
figure is the widened procedure's power (a seeded simulation checks it), and where that noise
alone keeps 80 % out of reach however many seeds, the plan says so instead of a seed count."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fertui.sweeps.mixed import fit_difference, t_quantile
from fertui.sweeps.planning import TEST_SET, largest_test_sd, plan, power_ceiling, procedure_power
from tests.sweeps.test_mixed import _layout


def test_without_test_set_noise_the_power_is_the_noncentral_t():
    for args in ((0.5, 0.16, 0.02, 2 / 3, 5), (0.5, 0.24, 0.0, 1.0, 3), (1.0, 0.3, 0.1, 1 / 3, 4)):
        assert procedure_power(*args, test_sd=1e-9) == pytest.approx(procedure_power(*args), abs=1e-3)


def test_test_set_noise_lowers_the_power_and_endless_seeds_cannot_lift_it():
    # The depth-2 demo: seed sd 0.49 of a difference, no spread between LRs, 3 LRs, test-set sd 0.29.
    narrow = procedure_power(0.5, 0.49**2, 0.0, 1.0, 3)
    wide = procedure_power(0.5, 0.49**2, 0.0, 1.0, 3, test_sd=0.29)
    endless = procedure_power(0.5, 0.49**2, 0.0, 0.0, 3, test_sd=0.29)
    assert narrow == pytest.approx(0.18, abs=0.01) and wide < 0.02 and endless < 0.01
    # With endless values too the t quantile falls to 1.96: still far from 80 %.
    assert power_ceiling(0.5, 0.29) < 0.45
    assert power_ceiling(0.5, largest_test_sd(0.5)) == pytest.approx(0.8, abs=1e-3)


def _widened_rejections(rng, reps, delta, sigma, tau, test_sd, seeds):
    """The widened procedure on simulated sweeps: one test-set draw shifts every B - A alike."""
    rejected = 0
    for _ in range(reps):
        values = _layout(rng, delta + rng.normal(0, test_sd), sigma, tau, *seeds)
        fit = fit_difference(values)
        half = t_quantile(fit.df, fit.level) * math.sqrt(fit.se**2 + test_sd**2)
        rejected += abs(fit.estimate) > half
    return rejected / reps


def test_simulation_widened_power_matches_the_figure():
    rng = np.random.default_rng(31)
    effect, sigma, tau, test_sd = 0.6, 0.4, 0.1, 0.12
    seeds = ([3] * 5, [3] * 5)
    simulated = _widened_rejections(rng, 800, effect, sigma, tau, test_sd, seeds)
    figure = procedure_power(effect, sigma**2, tau**2, 2 / 3, 5, test_sd=test_sd)
    assert 0.3 < figure < 0.8  # a figure in the range where a wrong formula would show
    assert abs(figure - simulated) <= 0.05, (figure, simulated)
    # and the figure really is lower than the one that ignores the test set
    assert figure < procedure_power(effect, sigma**2, tau**2, 2 / 3, 5) - 0.05


def _fit(seed=4):
    return fit_difference(_layout(np.random.default_rng(seed), 0.0, 0.4, 0.0, [3] * 5, [3] * 5))


def test_plan_says_the_test_set_not_seeds_when_its_noise_alone_keeps_the_power_below_target():
    fit = _fit()
    found = plan(fit, 0.5, test_sd=0.29)
    assert found.seeds_needed is None and found.limit == TEST_SET and not found.replicate_first
    assert found.why_not.startswith(
        "more seeds cannot establish a 0.5-point difference on this test set: its own noise (sd 0.29) "
        "alone keeps the power below 80 % (80 % needs sd 0.18 or less); a larger test set or a "
        "cross-dataset check can"
    )
    assert found.power_now is not None and found.power_now < plan(fit, 0.5).power_now
    # One seed per cell: seed noise unknown, but the test set's bound does not need it.
    one = fit_difference(_layout(np.random.default_rng(5), 0.0, 0.4, 0.0, [1] * 5, [1] * 5))
    assert plan(one, 0.5) is None
    bound = plan(one, 0.5, test_sd=0.29)
    assert bound.limit == TEST_SET and bound.power_now is None and bound.seeds_needed is None


def test_a_small_test_set_noise_asks_for_more_seeds_than_seed_noise_alone():
    fit = _fit()
    alone, with_test = plan(fit, 0.5), plan(fit, 0.5, test_sd=0.08)
    assert alone.seeds_needed is not None and with_test.seeds_needed is not None
    assert with_test.seeds_needed >= alone.seeds_needed and with_test.power_now < alone.power_now
    assert with_test.test_sd == 0.08 and alone.test_sd is None
