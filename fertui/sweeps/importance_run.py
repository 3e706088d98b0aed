"""The sweep-level entry for ``fertui importance``: its finished runs, one per (cell, seed), and
every answer computed on them."""

from __future__ import annotations

from dataclasses import dataclass

from fertui.errors import UserError
from fertui.sweeps.equivalence import AnovaTerm, Equivalence, equivalence, two_way_anova
from fertui.sweeps.importance import ImportanceReport, importance, varied_axes
from fertui.sweeps.results import require_metric, require_runs, settled_observations
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace

DEFAULT_ANOVA = ("optim.weight_decay", "optim.lr")


@dataclass
class ImportanceResult:
    sweep: str
    metric: str
    runs: int
    reports: list[ImportanceReport]
    equivalences: list[Equivalence]
    anova: tuple[str, str, list[AnovaTerm]] | None


def run_importance(
    ws: Workspace, sweep: str, effect: float, metric: str | None = None, bootstrap: int = 200, anova: str | None = None
) -> ImportanceResult:
    spec = require_spec(ws, sweep)
    metric = metric or spec.objective
    observations = require_runs(ws, spec, metric)
    require_metric(spec, observations, metric)
    maximize = spec.metric_direction(metric)[1].maximize
    finished = [o for o in settled_observations(spec, observations, metric) if o.value is not None]
    if metric != spec.objective:
        from dataclasses import replace

        spec = replace(spec, objective=metric, direction="maximize" if maximize else "minimize")
    keys = [a.key for a in varied_axes(spec, finished)]
    pair = _anova_pair(spec, keys, anova)  # a bad --anova fails before the slow part
    reports = importance(spec, finished, bootstrap)
    equivalences = [equivalence(k, keys, finished, effect) for k in keys]
    terms = (pair[0], pair[1], two_way_anova(pair[0], pair[1], finished)) if pair else None
    return ImportanceResult(spec.name, metric, len(finished), reports, equivalences, terms)


def _anova_pair(spec, keys: list[str], anova: str | None) -> tuple[str, str] | None:
    if anova is None:
        return DEFAULT_ANOVA if all(k in keys for k in DEFAULT_ANOVA) else None
    pair = tuple(part.strip() for part in anova.split(","))
    if len(pair) != 2 or pair[0] == pair[1]:
        raise UserError(f"--anova: expected two different keys as KEY1,KEY2, got {anova!r}")
    for key in pair:
        if key not in keys:
            raise UserError(
                f"--anova: {key} is not an axis of sweep '{spec.name}' that took two values "
                f"(axes that did: {', '.join(keys) or 'none'})"
            )
    return pair
