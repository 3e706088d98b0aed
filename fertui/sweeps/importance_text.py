"""``fertui importance`` as lines: the evaluators' ranking with bootstrap intervals, the
equivalence verdict per knob, the two-way ANOVA; and as JSON for scripts."""

from __future__ import annotations

from typing import Any

from fertui.config import compact
from fertui.sweeps.equivalence import TOST_LEVEL, AnovaTerm, Equivalence
from fertui.sweeps.importance import ImportanceReport


def unit(metric: str) -> str:
    return " points" if "acc" in metric else ""


def importance_lines(reports: list[ImportanceReport]) -> list[str]:
    lines = []
    for report in reports:
        lines.append(
            f"{report.evaluator} importance (normalised; 95 % bootstrap interval over {report.bootstrap} "
            f"resamples of the {report.runs} runs):"
        )
        width = max(len(r.key) for r in report.rows)
        for r in report.rows:
            interval = f"  ({r.low:.2f}\u2026{r.high:.2f})" if r.low is not None else "  (too few resamples)"
            lines.append(f"  {r.key:{width}}  {r.value:.2f}{interval}")
        lines += [f"  {note}" for note in report.notes]
    return lines


def equivalence_line(eq: Equivalence, metric: str) -> str:
    size = f"{eq.effect:g}{unit(metric)}"
    widest = eq.widest
    if widest is None:
        return f"  {eq.key}: too few runs for an interval (needs two seeds, or two cells of the other axes)"
    ci = (
        f"{TOST_LEVEL * 100:.0f} % CI {widest.low:+.2f}\u2026{widest.high:+.2f} for "
        f"{compact(widest.b)} \u2212 {compact(widest.a)}"
    )
    if eq.equivalent:
        return f"  {eq.key} has no effect larger than {size} ({ci}, the widest of {len(eq.pairs)} pair(s))"
    if widest.low > eq.effect or widest.high < -eq.effect:
        return f"  {eq.key} has an effect larger than {size} ({ci})"
    return f"  {eq.key}: an effect of {size} is not ruled out ({ci})"


def anova_lines(first: str, second: str, terms: list[AnovaTerm]) -> list[str]:
    head = f"Two-way ANOVA (type II) of the objective on {first} \u00d7 {second}:"
    if not terms:
        return [head, "  no residual degrees of freedom: the cells need replicates (seeds)"]
    lines = [head]
    width = max(len(t.term) for t in terms)
    for t in terms:
        stat = "not estimable" if t.f is None else f"F({t.df}, {t.df_resid}) = {t.f:.2f}, p = {t.p:.2g}"
        lines.append(f"  {t.term:{width}}  {stat}")
    inter = terms[-1]
    if inter.p is not None:
        lines.append(
            f"  {first.split('.')[-1]} depends on {second.split('.')[-1]}: "
            + ("yes, at 5 %" if inter.p < 0.05 else "no evidence at 5 %")
        )
    return lines


def importance_json(reports, equivalences, anova) -> dict[str, Any]:
    return {
        "importance": [
            {
                "evaluator": r.evaluator,
                "runs": r.runs,
                "bootstrap": r.bootstrap,
                "notes": r.notes,
                "rows": [{"key": i.key, "value": i.value, "ci95": [i.low, i.high]} for i in r.rows],
            }
            for r in reports
        ],
        "equivalence": [
            {
                "key": e.key,
                "effect": e.effect,
                "equivalent": e.equivalent,
                "pairs": [
                    {"a": p.a, "b": p.b, "diff": p.diff, "ci90": [p.low, p.high], "units": p.units} for p in e.pairs
                ],
            }
            for e in equivalences
        ],
        "anova": None
        if anova is None
        else {
            "keys": list(anova[0:2]),
            "terms": [{"term": t.term, "f": t.f, "df": t.df, "df_resid": t.df_resid, "p": t.p} for t in anova[2]],
        },
    }
