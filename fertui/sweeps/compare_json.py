"""A comparison's pair as JSON for scripts: the model's estimate, interval and interaction test,
the plan at the smallest effect of interest (and what --enqueue would queue), best-vs-best and
the sign test."""

from __future__ import annotations

from typing import Any

from fertui.sweeps.compare import Comparison, PairStat


def pair_json(cmp: Comparison, pair: PairStat) -> dict[str, Any]:
    from fertui.sweeps.replicates import enqueue_advice
    from fertui.sweeps.verdict import verdict

    fit, plan, best, shared = pair.fit, pair.plan, pair.best_vs_best, pair.testset
    test = fit.interaction if fit is not None else None
    advice = enqueue_advice(pair)  # what --enqueue would queue: the same rule the printed advice follows
    return {
        "a": pair.a,
        "b": pair.b,
        "n": pair.n,
        "mean_diff": pair.mean_diff,
        "estimand": "mean difference (b - a) over the tried across values",
        "a_wins": pair.a_wins,
        "b_wins": pair.b_wins,
        "ties": pair.ties,
        "p_value": pair.p_value,
        "ci95": [fit.low, fit.high] if fit is not None else None,
        "se": fit.se if fit is not None else None,
        "ci_df": fit.df if fit is not None else None,
        "ci_method": fit.method if fit is not None else None,
        "seed_var": fit.seed_var if fit is not None else None,
        "lr_sd": pair.lr_sd,
        "interaction": None
        if test is None
        else {"f": test.f, "df1": test.df1, "df2": test.df2, "p": test.p, "varies": test.rejects},
        "seeds": list(pair.seeds),
        "effect": plan.effect if plan is not None else None,
        "power_now": plan.power_now if plan is not None else None,
        "seeds_needed": pair.seeds_needed,
        "not_seeds_because": plan.why_not if plan is not None else None,
        "not_seeds_limit": (plan.limit or None) if plan is not None else None,
        "plan_includes_test_set": plan is not None and plan.test_sd is not None,
        "judged_ci95": list(pair.judged) if pair.judged is not None else None,  # the verdict's interval
        "enqueue": None if advice is None else {"cells": advice[0], "seeds": advice[1]},
        "best_vs_best": None
        if best is None
        else {"a_at": best.a_value, "b_at": best.b_value, "diff": best.diff, "seed_se": best.se},
        "epoch": cmp.epoch.label,
        "test_set": None
        if shared is None
        else {
            "images": shared.images,
            "sd": shared.sd,
            "ci95": [shared.low, shared.high],
            "epoch": shared.epoch_note,
            "best_mcnemar": None
            if shared.best_mcnemar is None
            else {
                "a_only": shared.best_mcnemar.a_only,
                "b_only": shared.best_mcnemar.b_only,
                "p": shared.best_mcnemar.p,
            },
        },
        "verdict": verdict(cmp, pair),
    }
