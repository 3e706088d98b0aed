"""Planning by a smallest effect of interest: the power the comparison has now to find a
difference of EFFECT points, and how many seeds per cell would give it 80 %.

The figures are for the test mixed.py runs (Knapp–Hartung t, L − 1 df), at the variance
components its REML fit estimated: with n seeds in every cell its statistic is a noncentral t,
so the power is exact under the fitted model (tests/sweeps/test_mixed.py checks it against the
simulated power of the whole procedure).

When the runs stored per-image predictions the verdict is judged on the interval widened by the
test set's own sampling noise (testset_compare.py), and so is the power: that part is the same
images for every seed, so no number of seeds shrinks it. Where it alone keeps the power below
target, even with endless seeds and values, the plan says so instead of giving a seed count.

Never planned: a planted number from the *observed* difference; seeds where the interaction
test rejects (the difference is not one number), where the test set's noise alone keeps the
power below target (a larger test set would help, not seeds), or where the spread between values
keeps it there (more values would help, not more seeds); or on seed noise measured with fewer
than MIN_PLAN_DF degrees of freedom (one repeated point says little about sigma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fertui.sweeps.mixed import ALPHA, ModelFit

DEFAULT_EFFECT = 0.5  # points of accuracy: the notes' LR-window delta, about 15 RAF-DB test images
TARGET_POWER = 0.8
MIN_PLAN_DF = 3
MAX_SEEDS = 50
CHI2_NODES = 2000  # quantile midpoints over the Knapp-Hartung spread's chi-square

# Why seeds are not the answer (Plan.limit).
INTERACTION = "interaction"
TEST_SET = "test set"
VALUES = "values"
SEED_DF = "seed df"


@dataclass(frozen=True)
class Plan:
    effect: float
    power_now: float | None  # None: not planned (see why)
    seeds_needed: int | None  # per cell, for TARGET_POWER at effect; None: no number of seeds
    why_not: str = ""  # when seeds are not the answer, in words
    target: float = TARGET_POWER
    limit: str = ""  # which of INTERACTION, TEST_SET, VALUES, SEED_DF keeps seeds from the answer
    test_sd: float | None = None  # the test set's part the figures include; None: not known

    @property
    def replicate_first(self) -> bool:
        """Seed noise too rough to plan by: replicate the deciding cells, then plan."""
        return self.limit == SEED_DF


def _normal_power(effect: float, sd: float, bound) -> float:
    """P(|N(effect, sd²)| > bound), BOUND a number or a numpy array of them."""
    from scipy import stats

    return stats.norm.sf((bound - abs(effect)) / sd) + stats.norm.cdf((-bound - abs(effect)) / sd)


def procedure_power(effect: float, sigma2: float, tau2: float, c: float, n_values: int, test_sd: float = 0.0) -> float:
    """Chance that the fit's interval excludes 0 when the true difference is EFFECT, for a
    balanced design of N_VALUES values with seed multiplier C (2/n unpaired, 1/n seed-paired):
    there the Knapp-Hartung statistic is a noncentral t with N_VALUES - 1 df.

    With TEST_SD the interval is the widened one, t * sqrt(se² + TEST_SD²), and the estimate
    carries that noise too: averaged over the chi-square the Knapp-Hartung spread follows, it is
    the same figure (exactly the noncentral t when TEST_SD is 0). Taking all of TEST_SD as noise
    the spread does not hold is what the widened interval does, so the figure is its power."""
    from scipy import stats

    df = n_values - 1
    var = (tau2 + sigma2 * c) / n_values
    crit = stats.t.ppf(1 - ALPHA / 2, df)
    if test_sd > 0:
        import numpy as np

        sd = math.sqrt(var + test_sd**2)
        spread = stats.chi2.ppf((np.arange(CHI2_NODES) + 0.5) / CHI2_NODES, df) / df  # se² / var
        return float(np.mean(_normal_power(effect, sd, crit * np.sqrt(var * spread + test_sd**2))))
    se = math.sqrt(var)
    if se == 0:
        return 1.0
    ncp = abs(effect) / se
    upper, lower = float(stats.nct.sf(crit, df, ncp)), float(stats.nct.cdf(-crit, df, ncp))
    # scipy's noncentral t returns NaN deep in a tail; there that tail is 0 or the power ~1.
    return (upper if math.isfinite(upper) else float(ncp > crit)) + (lower if math.isfinite(lower) else 0.0)


def power_ceiling(effect: float, test_sd: float) -> float:
    """The power with endless seeds and values on this test set: seed and LR noise gone, the t
    quantile at its normal limit, the test set's noise all that is left."""
    from scipy import stats

    return float(_normal_power(effect, test_sd, stats.norm.ppf(1 - ALPHA / 2) * test_sd))


def largest_test_sd(effect: float, target: float = TARGET_POWER) -> float:
    """The test-set sd below which endless seeds could reach TARGET at EFFECT (the lower tail,
    under 1e-3 there, left out)."""
    from scipy import stats

    return abs(effect) / (stats.norm.ppf(1 - ALPHA / 2) + stats.norm.ppf(target))


def _power_at(effect: float, fit: ModelFit, seeds: float, test_sd: float) -> float:
    """The power with the same values and SEEDS seeds in every cell."""
    n = fit.data.n
    c = (1 if fit.data.seed_paired else 2) / seeds
    return procedure_power(effect, fit.seed_var, fit.lr_var or 0.0, c, n, test_sd)


def _test_set_words(effect: float, test_sd: float) -> str:
    # Only accuracy comparisons get the test set's noise (testset_compare.py), so: points.
    return (
        f"more seeds cannot establish a {effect:g}-point difference on this test set: its own noise "
        f"(sd {test_sd:.2f}) alone keeps the power below {TARGET_POWER * 100:.0f} % "
        f"({TARGET_POWER * 100:.0f} % needs sd {largest_test_sd(effect):.2f} or less); a larger test set or a cross-dataset check can"
    )


def plan(fit: ModelFit | None, effect: float = DEFAULT_EFFECT, test_sd: float | None = None) -> Plan | None:
    """Power now and seeds needed at EFFECT, on the widened interval when TEST_SD (the test set's
    part of the estimate's sd) is known; None without a REML fit (one seed per cell) unless the
    test set alone already rules seeds out."""
    if fit is None or fit.data.n < 2:
        return None
    shared = test_sd or 0.0
    measured = fit.reml and fit.seed_var is not None
    data = fit.data
    now = None
    if measured:
        now = procedure_power(effect, fit.seed_var, fit.lr_var or 0.0, sum(data.c) / data.n, data.n, shared)
    if measured and fit.interaction is not None and fit.interaction.rejects:
        why = "the difference varies across values: more seeds do not make it one number"
        return Plan(effect, now, None, why, limit=INTERACTION, test_sd=test_sd)
    # Seed noise plays no part here, so this holds with one seed per cell too.
    if shared > 0 and power_ceiling(effect, shared) < TARGET_POWER:
        trusted = now if measured and data.df_within >= MIN_PLAN_DF else None
        return Plan(effect, trusted, None, _test_set_words(effect, shared), limit=TEST_SET, test_sd=test_sd)
    if not measured:
        return None
    if data.df_within < MIN_PLAN_DF:
        why = f"seed noise measured on {data.df_within} df: too rough to plan by"
        return Plan(effect, None, None, why, limit=SEED_DF, test_sd=test_sd)
    if _power_at(effect, fit, MAX_SEEDS, shared) < TARGET_POWER:
        kept = (
            "the spread between values and the test set's noise keep"
            if shared > 0
            else "the spread between values alone keeps"
        )
        why = f"{kept} the power below {TARGET_POWER * 100:.0f} %: more values would help, not more seeds"
        return Plan(effect, now, None, why, limit=VALUES, test_sd=test_sd)
    low, high = 1, MAX_SEEDS  # power grows with seeds: bisect for the first that reaches the target
    while low < high:
        mid = (low + high) // 2
        if _power_at(effect, fit, mid, shared) >= TARGET_POWER:
            high = mid
        else:
            low = mid + 1
    return Plan(effect, now, low, test_sd=test_sd)
