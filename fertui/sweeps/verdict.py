"""The comparison's answer as lines a researcher can paste: the estimand and its interval, what
that interval allows one to say, whether the difference varies across LR (only when the
interaction test says so), best-vs-best, and what more runs would buy at the smallest effect of
interest."""

from __future__ import annotations

from fertui.config import compact
from fertui.sweeps.compare import Comparison, PairStat
from fertui.sweeps.planning import TEST_SET
from fertui.sweeps.testset_compare import ACCURACY

MINUS = "\u2212"


def across_noun(cmp: Comparison, n: int) -> str:
    if cmp.across == "optim.lr":
        return f"{n} LR" + ("s" if n != 1 else "")
    return f"{n} value{'s' if n != 1 else ''} of {cmp.across}"


def across_short(cmp: Comparison) -> str:
    return "LR" if cmp.across == "optim.lr" else cmp.across


def by_short(cmp: Comparison) -> str:
    return "model" if cmp.by == "model.name" else cmp.by.split(".")[-1]


def percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def unit(metric: str) -> str:
    return " points" if "acc" in metric else ""


def seeds_text(pair: PairStat) -> str:
    low, high = pair.seeds
    count = str(low) if low == high else f"{low}\u2013{high}"
    return f"{count} seed" + ("s" if high != 1 else "")


def setting(cmp: Comparison, value) -> str:
    """A model name as it is; a number with its key (``depth 4``), so ``4 − 2`` reads right."""
    from fertui.sweeps.render import keyed_label

    return keyed_label(cmp.by, value)


def verdict(cmp: Comparison, pair: PairStat, command: str = "") -> str:
    """``B − A = +0.62 points (95 % CI +0.21…+1.03) over 5 LRs × 3 seeds, the mean difference
    over the tried LRs: …`` and what the interval allows one to say."""
    head = f"{setting(cmp, pair.b)} {MINUS} {setting(cmp, pair.a)}"
    fit = pair.fit
    if fit is None:
        return f"{head}: no {cmp.across} value where both finished"
    where = f"over {across_noun(cmp, pair.n)} \u00d7 {seeds_text(pair)}"
    if fit.low is None:
        return f"{head} = {fit.estimate:+.2f}{unit(cmp.metric)} {where}: too few paired values for an interval"
    text = (
        f"{head} = {fit.estimate:+.2f}{unit(cmp.metric)} "
        f"({fit.level * 100:.0f} % CI {fit.low:+.2f}\u2026{fit.high:+.2f}) {where}, "
        f"the mean difference over the tried {across_short(cmp)}s"
    )
    test = pair.testset
    if test is not None:
        text += f"; with the test set's noise {fit.level * 100:.0f} % CI {test.low:+.2f}\u2026{test.high:+.2f}"
        if test.excludes_zero:
            ahead = pair.b if (fit.estimate > 0) == cmp.maximize else pair.a
            return f"{text}: {setting(cmp, ahead)} better, beyond seed, {across_short(cmp)} and test-set noise"
        if fit.excludes_zero:
            text += (
                f": beyond seed and {across_short(cmp)} noise only \u2014 probably better, not yet established: "
                "the test set's own noise covers it"
            )
            return f"{text}; {_no_difference(cmp, pair)}" if _within_effect(pair) else text
    elif fit.excludes_zero:
        ahead = pair.b if (fit.estimate > 0) == cmp.maximize else pair.a
        return (
            f"{text}: {setting(cmp, ahead)} ahead beyond seed and {across_short(cmp)} noise \u2014 "
            "probably better, not yet established: the interval leaves out the test set's own sampling noise"
        )
    if _within_effect(pair):
        return f"{text}: {_no_difference(cmp, pair)}"
    return f"{text}: not resolved \u2014 the interval holds 0"


def _within_effect(pair: PairStat) -> bool:
    """The judged interval (the widest there is) lies inside ±effect."""
    judged = pair.judged
    return judged is not None and -pair.effect < judged[0] and judged[1] < pair.effect


def _no_difference(cmp: Comparison, pair: PairStat) -> str:
    """What an interval inside ±effect allows one to say, and over which noise."""
    said = f"no difference as large as {pair.effect:g}{unit(cmp.metric)} either way"
    if pair.testset is not None:
        return f"{said}, seed, {across_short(cmp)} and test-set noise included"
    return f"{said} over seed and {across_short(cmp)} noise (the interval leaves out the test set's own sampling noise)"


def interaction_line(cmp: Comparison, pair: PairStat) -> str:
    fit = pair.fit
    name = f"{by_short(cmp)} \u00d7 {across_short(cmp)} interaction"
    if fit is None or fit.interaction is None:
        return f"  {name}: not testable without replicates (one seed per cell)"
    test = fit.interaction
    stat = f"F({test.df1}, {test.df2}) = {test.f:.2f}, p = {test.p:.2g}"
    if test.rejects:
        spread = f" (sd {pair.lr_sd:.2f})" if pair.lr_sd is not None else ""
        return (
            f"  {name}: {stat} \u2014 the difference varies across {cmp.across} values{spread}; "
            "the mean over the tried values depends on which were tried"
        )
    return f"  {name}: {stat} \u2014 no evidence that the difference varies across {cmp.across} values"


def best_line(cmp: Comparison, pair: PairStat) -> str | None:
    best = pair.best_vs_best
    if best is None:
        return None
    key = across_short(cmp)
    se = (
        f"seed SE {best.se:.2f} over {cmp.noise.df} df" if best.se is not None else "seed SE unknown: one seed per cell"
    )
    return (
        f"  best vs best (what a paper reports): {setting(cmp, pair.b)} at {key} {compact(best.b_value)} "
        f"{MINUS} {setting(cmp, pair.a)} at {key} {compact(best.a_value)} = {best.diff:+.2f}{unit(cmp.metric)} "
        f"({se}; each best picked on these same results, so optimistic)"
    )


def _images(n: int) -> str:
    return f"{n} image" if n == 1 else f"{n} images"


def testset_line(cmp: Comparison, pair: PairStat) -> str:
    test = pair.testset
    if test is None and cmp.epoch.predictions is None:
        return (
            f"  test set: its sampling noise is not in the interval (--epoch {cmp.epoch.label} averages "
            "epochs; predictions are stored for the best and the last only)"
        )
    if test is None and cmp.metric != ACCURACY:
        return (
            f"  test set: its sampling noise is not in the interval (the stored predictions rescore "
            f"overall accuracy, not {cmp.metric})"
        )
    if test is None:
        return (
            "  test set: its sampling noise is not in the interval (no per-image predictions stored: "
            "runs of the built-in trainer store them)"
        )
    line = (
        f"  test set: {test.images} images; their sampling noise moves the estimate by sd {test.sd:.2f} "
        f"(paired bootstrap over images); predictions at {test.epoch_note}"
    )
    if test.best_mcnemar is not None:
        m = test.best_mcnemar
        line += (
            f"; best vs best, McNemar: {_images(m.b_only)} only {setting(cmp, pair.b)} got right, "
            f"{m.a_only} only {setting(cmp, pair.a)}, p = {m.p:.2g}"
        )
    return line


def plan_line(cmp: Comparison, pair: PairStat, command: str = "") -> str:
    """Power and seeds at the smallest effect of interest, and --enqueue only where it would
    queue something: the advice and the queue share one rule (replicates.enqueue_advice)."""
    from fertui.sweeps.replicates import DECIDING, MAX_SEEDS_QUEUED, enqueue_advice

    enqueue = f"{command} --enqueue" if command else "--enqueue"
    plan, advice = pair.plan, enqueue_advice(pair)
    if plan is None:
        return (
            f"  planning: one seed per cell, seed noise unknown: replicate the deciding cells, "
            f"the best {cmp.across} of each ({enqueue})"
        )
    noise = ", test-set noise included" if plan.test_sd is not None else ""
    head = f"  planning at \u00b1{plan.effect:g}{unit(cmp.metric)} (--effect){noise}"
    if advice is not None and advice[0] == DECIDING:
        return f"{head}: {plan.why_not}; replicate the deciding cells first ({enqueue})"
    now = f"power now {percent(plan.power_now)}" if plan.power_now is not None else ""
    if plan.seeds_needed is None:
        why = plan.why_not if plan.limit == TEST_SET else f"not seeds: {plan.why_not}"
        return f"{head}: {now}; {why}" if now else f"{head}: {why}"
    if plan.seeds_needed <= pair.seeds[0]:
        return f"{head}: {now}; {plan.seeds_needed} seed(s) per cell already give {percent(plan.target)}"
    more = plan.seeds_needed - pair.seeds[0]
    give = f"{head}: {now}; {plan.seeds_needed} seeds per cell ({more} more) give {percent(plan.target)}"
    if advice is None and pair.settled:  # on the interval the verdict was judged on
        return f"{give}, but {_settled_words(cmp, pair)}: more seeds would not change the verdict"
    if advice is None:  # the cells already hold what --enqueue would bring them to
        return f"{give}; --enqueue stops at {MAX_SEEDS_QUEUED} per cell: more values would help, not more seeds"
    if advice[1] < plan.seeds_needed:
        return f"{give} ({enqueue} queues up to {advice[1]} per cell; beyond that, more values)"
    return f"{give} ({enqueue})"


def _settled_words(cmp: Comparison, pair: PairStat) -> str:
    low, high = pair.judged
    which = "the interval with the test set's noise" if pair.testset is not None else "the interval"
    if low > 0 or high < 0:
        return f"{which} already excludes 0"
    return f"{which} already lies inside \u00b1{pair.effect:g}{unit(cmp.metric)}"


def detail_lines(cmp: Comparison, pair: PairStat, command: str = "") -> list[str]:
    """The interaction test, best-vs-best, planning and how the figures were computed."""
    lines = [interaction_line(cmp, pair), testset_line(cmp, pair)]
    best = best_line(cmp, pair)
    if best:
        lines.append(best)
    lines.append(plan_line(cmp, pair, command))
    parts = []
    if pair.fit is not None:
        parts.append(f"interval: {pair.fit.method}")
        if pair.fit.seed_var is not None:
            seed_sd = (pair.fit.seed_var * sum(pair.fit.data.c) / pair.n) ** 0.5
            parts.append(
                f"seed noise of a difference: sd {seed_sd:.2f} ({pair.fit.data.df_within} df), "
                f"between-{across_short(cmp)} sd {pair.lr_sd or 0.0:.2f}"
            )
    parts.append(f"values: each run's {cmp.epoch.label} epoch (--epoch)")
    parts.append(f"sign test: wins {pair.b_wins}-{pair.a_wins} (ties {pair.ties}), p = {pair.p_value:.4g}")
    lines.append("  method: " + "; ".join(parts))
    return lines
