"""The A − B difference from a model: a mixed model fitted by REML, an interaction F test.

Model (per setting m, across-value l, seed s): ``y = mu + Delta [m = B] + u_l + g_ml + e``
with LR effects ``u_l``, a random model × LR interaction ``g_ml`` and seed noise ``e``.
The estimand is Delta, the mean B − A difference over the tried across-values.

Fitting it on the per-value differences is the same REML fit as on the raw values: every
across-value holds both settings, so ``u_l`` cancels in ``d_l = mean_B,l - mean_A,l`` and carries
no information on Delta, the interaction or the seed noise. What is left factorises exactly:

- ``d_l ~ N(Delta, tau^2 + sigma^2 c_l)`` with ``c_l = 1/n_A,l + 1/n_B,l`` (independent seeds) or
  ``1/n_l`` on seed-paired differences (both settings ran the same seeds);
- the within-cell residuals, ``SS_w / sigma^2 ~ chi^2(df_w)``, independent of the ``d_l``.

Two parameters and L numbers, so the fit takes a millisecond; tests/sweeps/test_mixed.py checks
it against ``statsmodels`` MixedLM. The interval is Knapp–Hartung's: the REML-weighted spread of
the d_l around the estimate (never below its 5 % quantile under the model, so tied differences
never give a zero-width interval), t with L − 1 df. In a balanced design it is the two-way mixed
ANOVA's exact test of the model against the interaction mean square (the paired t), whatever
tau and sigma are; the model's own SE at the REML estimates undercovers or overcovers with five
LRs depending on whether tau lands on its boundary (96.7 % in simulation at tau = 0). The
interaction test
``F = [sum (d_l - d_w)^2 / c_l / (L - 1)] / [SS_w / df_w]`` is exact under H0 (tau = 0).
Without replicates (df_w = 0) tau and sigma cannot be told apart; then, and if the optimiser
fails, the answer is the paired t over the d_l, and the method says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEVEL = 0.95
ALPHA = 1 - LEVEL
# Accuracies are counts of test images, so per-LR differences tie often (two LRs both +1/3 of
# an image): a Knapp-Hartung spread of 0 gave a zero-width interval. A spread below this
# quantile of its distribution under the model is taken at it; coverage moves 95.75 -> 95.9 %.
SPREAD_FLOOR_QUANTILE = 0.05


@dataclass(frozen=True)
class PairedValue:
    """One across-value where both settings finished: their seed values (and seeds)."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    a_seeds: tuple[int, ...] = ()
    b_seeds: tuple[int, ...] = ()

    def seed_paired(self) -> tuple[float, ...] | None:
        """B − A per seed when both ran exactly the same seeds (each once); None otherwise."""
        a, b = dict(zip(self.a_seeds, self.a)), dict(zip(self.b_seeds, self.b))
        if not a or len(a) != len(self.a) or len(b) != len(self.b) or set(a) != set(b):
            return None
        return tuple(b[s] - a[s] for s in sorted(a))


@dataclass(frozen=True)
class InteractionTest:
    """Whether the difference varies across values beyond seed noise: F(df1, df2), p."""

    f: float
    df1: int
    df2: int
    p: float

    @property
    def rejects(self) -> bool:
        return self.p < ALPHA


@dataclass(frozen=True)
class DiffData:
    """The reduced data: per-value differences, their seed-noise multipliers, the within part."""

    d: tuple[float, ...]
    c: tuple[float, ...]
    ss_within: float
    df_within: int
    seed_paired: bool

    @property
    def n(self) -> int:
        return len(self.d)


@dataclass(frozen=True)
class ModelFit:
    estimate: float  # Delta: the mean difference over the tried across-values
    se: float | None
    df: int  # of the interval: L - 1
    low: float | None
    high: float | None
    method: str  # how, in words (REML, or the paired t fallback and why)
    reml: bool
    seed_var: float | None  # sigma^2: one seed's B − A noise is seed_var * (c_l per seed)
    lr_var: float | None  # tau^2: variance of the true per-value differences
    data: DiffData
    interaction: InteractionTest | None = None
    level: float = LEVEL
    model_se: float | None = None  # REML's own 1/sum(w), as statsmodels reports it

    @property
    def excludes_zero(self) -> bool:
        return self.low is not None and (self.low > 0 or self.high < 0)


def reduce(values: list[PairedValue]) -> DiffData:
    """The per-value differences; seed-paired when every value ran the same seeds on both sides."""
    paired = [v.seed_paired() for v in values]
    if values and all(p is not None for p in paired):
        d = tuple(sum(p) / len(p) for p in paired)
        ss = sum((x - m) ** 2 for p, m in zip(paired, d) for x in p)
        return DiffData(d, tuple(1 / len(p) for p in paired), ss, sum(len(p) - 1 for p in paired), True)
    d, c, ss, df = [], [], 0.0, 0
    for v in values:
        ma, mb = sum(v.a) / len(v.a), sum(v.b) / len(v.b)
        d.append(mb - ma)
        c.append(1 / len(v.a) + 1 / len(v.b))
        ss += sum((x - ma) ** 2 for x in v.a) + sum((x - mb) ** 2 for x in v.b)
        df += len(v.a) + len(v.b) - 2
    return DiffData(tuple(d), tuple(c), ss, df, False)


def interaction_test(data: DiffData) -> InteractionTest | None:
    """F test of tau = 0 (needs two values and replicates)."""
    if data.n < 2 or data.df_within < 1 or data.ss_within <= 0:
        return None
    from scipy import stats

    w = [1 / c for c in data.c]
    mean = sum(wi * di for wi, di in zip(w, data.d)) / sum(w)
    between = sum(wi * (di - mean) ** 2 for wi, di in zip(w, data.d)) / (data.n - 1)
    f = between / (data.ss_within / data.df_within)
    return InteractionTest(f, data.n - 1, data.df_within, float(stats.f.sf(f, data.n - 1, data.df_within)))


def _profile(rho: float, data: DiffData) -> tuple[float, float]:
    """(-2 log restricted likelihood with sigma^2 profiled out, sigma^2) at rho = tau^2 / sigma^2."""
    w = [1 / (rho + c) for c in data.c]
    sw = sum(w)
    mean = sum(wi * di for wi, di in zip(w, data.d)) / sw
    df = data.n - 1 + data.df_within
    sigma2 = (sum(wi * (di - mean) ** 2 for wi, di in zip(w, data.d)) + data.ss_within) / df
    return df * math.log(sigma2) - sum(math.log(wi) for wi in w) + math.log(sw), sigma2


def reml(data: DiffData) -> tuple[float, float] | None:
    """(sigma^2, tau^2) maximising the restricted likelihood; None when the optimiser fails.
    sigma^2 has a closed form for each ratio rho = tau^2 / sigma^2, so the search is 1-D."""
    from scipy import optimize

    if data.ss_within <= 0 or data.df_within < 1:
        return None
    spread = _sample_var(data.d) / (data.ss_within / data.df_within)  # tau^2/sigma^2 + mean c, roughly
    top = max(10.0, 100 * spread)
    found = optimize.minimize_scalar(
        lambda r: _profile(r, data)[0], bounds=(0.0, top), method="bounded", options={"xatol": 1e-6 * max(1.0, spread)}
    )
    if not found.success or not math.isfinite(found.fun):
        return None
    rho = float(found.x)
    if _profile(0.0, data)[0] <= found.fun:  # the boundary: no interaction at all
        rho = 0.0
    if rho >= top * 0.999:
        return None
    sigma2 = _profile(rho, data)[1]
    return sigma2, rho * sigma2


def _sample_var(xs) -> float:
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def t_quantile(df: int, level: float = LEVEL) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, df))


def spread_floor(df: int) -> float:
    """The smallest Knapp–Hartung spread taken: its SPREAD_FLOOR_QUANTILE under the model."""
    from scipy import stats

    return float(stats.chi2.ppf(SPREAD_FLOOR_QUANTILE, df) / df)


def fit_difference(values: list[PairedValue], level: float = LEVEL) -> ModelFit | None:
    """The REML fit of the model above (paired t when it cannot be fitted); None with no value."""
    data = reduce(values)
    if data.n == 0:
        return None
    mean = sum(data.d) / data.n
    if data.n < 2:
        return ModelFit(mean, None, 0, None, None, "one value: no interval", False, None, None, data)
    test = interaction_test(data)
    found = reml(data) if data.df_within >= 1 else None
    if found is None:
        why = (
            "one seed per cell: seed and LR noise cannot be told apart"
            if data.df_within < 1
            else "the REML fit did not converge"
        )
        se = math.sqrt(_sample_var(data.d) / data.n)
        half = t_quantile(data.n - 1, level) * se
        return ModelFit(
            mean,
            se,
            data.n - 1,
            mean - half,
            mean + half,
            f"paired t over the per-value differences ({why})",
            False,
            None,
            None,
            data,
            test,
            level,
        )
    sigma2, tau2 = found
    w = [1 / (tau2 + sigma2 * c) for c in data.c]
    estimate = sum(wi * di for wi, di in zip(w, data.d)) / sum(w)
    # Knapp-Hartung: the spread of the d_l around the estimate, not the model's 1/sum(w), sets
    # the SE; t with L - 1 df is then exact when balanced, whatever tau and sigma are.
    spread = sum(wi * (di - estimate) ** 2 for wi, di in zip(w, data.d)) / (data.n - 1)
    se = math.sqrt(max(spread, spread_floor(data.n - 1)) / sum(w))
    half = t_quantile(data.n - 1, level) * se
    kind = "seed-paired differences" if data.seed_paired else "independent seeds"
    return ModelFit(
        estimate,
        se,
        data.n - 1,
        estimate - half,
        estimate + half,
        f"REML mixed model, model \u00d7 LR interaction random ({kind}); Knapp\u2013Hartung t with {data.n - 1} df",
        True,
        sigma2,
        tau2,
        data,
        test,
        level,
        model_se=math.sqrt(1 / sum(w)),
    )
