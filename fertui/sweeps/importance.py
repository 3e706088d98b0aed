"""What matters among a sweep's knobs: Optuna's importance evaluators over its finished runs,
with a bootstrap interval so one seed's luck shows.

The runs become trials of an in-memory Optuna study (each axis with the distribution its
``Axis`` declares), and ``optuna.importance`` scores every axis that varied: PED-ANOVA always
(it needs nothing beyond Optuna), fANOVA as well when scikit-learn is installed. The bootstrap
resamples runs with replacement and scores again; the interval is the 2.5–97.5 % percentiles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fertui.errors import UserError
from fertui.sweeps.results import Observation
from fertui.sweeps.spec import SweepSpec

BOOTSTRAP = 200
BOOTSTRAP_SEED = 27


@dataclass(frozen=True)
class Importance:
    key: str
    value: float  # normalised: the axes' importances sum to 1
    low: float | None  # bootstrap 95 % interval
    high: float | None


@dataclass
class ImportanceReport:
    evaluator: str  # "PED-ANOVA" | "fANOVA"
    rows: list[Importance]  # most important first
    runs: int
    bootstrap: int
    notes: list[str] = field(default_factory=list)


def varied_axes(spec: SweepSpec, observations: list[Observation]) -> list:
    """The axes with two or more values among the finished runs."""
    return [a for a in spec.axes if len({repr(o.cell.get(a.key)) for o in observations}) > 1]


def _study(spec: SweepSpec, observations: list[Observation], axes: list):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per add_trial otherwise
    study = optuna.create_study(direction=spec.direction)
    distributions = {a.key: a.distribution() for a in axes}
    for o in observations:
        study.add_trial(
            optuna.trial.create_trial(
                params={a.key: o.cell[a.key] for a in axes}, distributions=distributions, value=o.value
            )
        )
    return study


def _scores(spec, observations, axes, evaluator) -> dict[str, float]:
    import optuna

    study = _study(spec, observations, axes)
    found = optuna.importance.get_param_importances(study, evaluator=evaluator, normalize=True)
    return {a.key: float(found.get(a.key, 0.0)) for a in axes}


def evaluators() -> list[tuple[str, object]]:
    """(name, evaluator) for every evaluator this installation can run."""
    import importlib.util

    from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator

    found = [("PED-ANOVA", PedAnovaImportanceEvaluator())]
    if importlib.util.find_spec("sklearn") is not None:  # fANOVA's random forest is scikit-learn's
        found.append(("fANOVA", FanovaImportanceEvaluator(seed=BOOTSTRAP_SEED)))
    return found


def importance(spec: SweepSpec, observations: list[Observation], bootstrap: int = BOOTSTRAP) -> list[ImportanceReport]:
    """One report per available evaluator over the finished runs in OBSERVATIONS."""
    finished = [o for o in observations if o.value is not None]
    axes = varied_axes(spec, finished)
    if not axes:
        raise UserError(f"sweep '{spec.name}': no axis took two values among its finished runs; nothing to rank")
    if len(finished) < 4:
        raise UserError(f"sweep '{spec.name}' has {len(finished)} finished run(s); importance needs at least 4")
    reports = []
    for name, evaluator in evaluators():
        point = _scores(spec, finished, axes, evaluator)
        draws = {a.key: [] for a in axes}
        rng = random.Random(BOOTSTRAP_SEED)
        for _ in range(bootstrap):
            sample = [rng.choice(finished) for _ in finished]
            if not varied_axes(spec, sample):
                continue
            for key, value in _scores(spec, sample, axes, evaluator).items():
                draws[key].append(value)
        rows = [Importance(a.key, point[a.key], *_percentiles(draws[a.key])) for a in axes]
        rows.sort(key=lambda r: -r.value)
        reports.append(ImportanceReport(name, rows, len(finished), bootstrap))
    if len(reports) == 1:
        reports[0].notes.append("fANOVA needs scikit-learn (pip install scikit-learn); PED-ANOVA only")
    return reports


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if len(values) < 20:
        return None, None
    ordered = sorted(values)
    return ordered[int(0.025 * (len(ordered) - 1))], ordered[round(0.975 * (len(ordered) - 1))]
