"""Planning by a smallest effect of interest: the power the comparison has now to find a
difference of EFFECT points, and how many seeds per cell would give it 80 %.

The figures are for the test mixed.py runs (Knapp–Hartung t, L − 1 df), at the variance
components its REML fit estimated: with n seeds in every cell its statistic is a noncentral t,
so the power is exact under the fitted model (tests/sweeps/test_mixed.py checks it against the
simulated power of the whole procedure).

Never planned: a planted number from the *observed* difference; seeds where the interaction
test rejects (the difference is not one number) or where the spread between values alone keeps
the power below target (more values would help, not more seeds); or on seed noise measured with
fewer than MIN_PLAN_DF degrees of freedom (one repeated point says little about sigma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fertui.sweeps.mixed import ALPHA, ModelFit

DEFAULT_EFFECT = 0.5  # points of accuracy: the notes' LR-window delta, about 15 RAF-DB test images
TARGET_POWER = 0.8
MIN_PLAN_DF = 3
MAX_SEEDS = 50


@dataclass(frozen=True)
class Plan:
    effect: float
    power_now: float | None  # None: not planned (see why)
    seeds_needed: int | None  # per cell, for TARGET_POWER at effect; None: no number of seeds
    why_not: str = ""  # when seeds are not the answer, in words
    target: float = TARGET_POWER


def procedure_power(effect: float, sigma2: float, tau2: float, c: float, n_values: int) -> float:
    """Chance that the fit's interval excludes 0 when the true difference is EFFECT, for a
    balanced design of N_VALUES values with seed multiplier C (2/n unpaired, 1/n seed-paired):
    there the Knapp-Hartung statistic is a noncentral t with N_VALUES - 1 df."""
    from scipy import stats

    df = n_values - 1
    se = math.sqrt((tau2 + sigma2 * c) / n_values)
    if se == 0:
        return 1.0
    crit = stats.t.ppf(1 - ALPHA / 2, df)
    ncp = abs(effect) / se
    upper, lower = float(stats.nct.sf(crit, df, ncp)), float(stats.nct.cdf(-crit, df, ncp))
    # scipy's noncentral t returns NaN deep in a tail; there that tail is 0 or the power ~1.
    return (upper if math.isfinite(upper) else float(ncp > crit)) + (lower if math.isfinite(lower) else 0.0)


def _power_at(effect: float, fit: ModelFit, seeds: int) -> float:
    """The power with the same values and SEEDS seeds in every cell."""
    n = fit.data.n
    c = 1 / seeds if fit.data.seed_paired else 2 / seeds
    return procedure_power(effect, fit.seed_var, fit.lr_var or 0.0, c, n)


def plan(fit: ModelFit | None, effect: float = DEFAULT_EFFECT) -> Plan | None:
    """Power now and seeds needed at EFFECT; None without a REML fit (one seed per cell)."""
    if fit is None or not fit.reml or fit.seed_var is None or fit.data.n < 2:
        return None
    data = fit.data
    sigma2, tau2 = fit.seed_var, fit.lr_var or 0.0
    mean_c = sum(data.c) / data.n
    now = procedure_power(effect, sigma2, tau2, mean_c, data.n)
    if fit.interaction is not None and fit.interaction.rejects:
        return Plan(effect, now, None, "the difference varies across values: more seeds do not make it one number")
    if data.df_within < MIN_PLAN_DF:
        return Plan(effect, None, None, f"seed noise measured on {data.df_within} df: too rough to plan by")
    if _power_at(effect, fit, MAX_SEEDS) < TARGET_POWER:
        return Plan(
            effect,
            now,
            None,
            "the spread between values alone keeps the power below "
            f"{TARGET_POWER * 100:.0f} %: more values would help, not more seeds",
        )
    low, high = 1, MAX_SEEDS  # power grows with seeds: bisect for the first that reaches the target
    while low < high:
        mid = (low + high) // 2
        if _power_at(effect, fit, mid) >= TARGET_POWER:
            high = mid
        else:
            low = mid + 1
    return Plan(effect, now, low)
