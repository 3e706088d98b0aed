"""Telling Optuna again about runs whose output was re-read (``fertui reingest``).

Optuna never changes a finished trial, so a run that was told FAIL (it ended without its
objective) and now has one gets a new COMPLETE trial with the same parameters and the same
``fertui_run`` attribute; the FAIL trial stays as history, and samplers skip FAIL trials. A
trial that was COMPLETE keeps its value; the line returned says so when the value now differs.
"""

from __future__ import annotations

import math

from fertui.store import Store
from fertui.sweeps.results import metric_value, sweep_runs
from fertui.sweeps.spec import load_spec
from fertui.sweeps.study import (
    RUN_ATTR,
    _trial_params,
    open_study,
    optuna_lock,
    trials_by_run,
)
from fertui.workspace import Workspace


def retell(ws: Workspace, sweep: str, run_ids: set[str]) -> list[str]:
    """Update the trials of RUN_IDS in SWEEP's study; one line per trial that changed or could not."""
    spec = load_spec(ws, sweep)
    if spec is None:
        return []
    # Optuna is heavy: loaded only when a sweep is retold
    from optuna.trial import TrialState, create_trial

    lines: list[str] = []
    numbers: dict[str, dict] = {}
    with optuna_lock(ws):
        study = open_study(ws, spec)
        trials = trials_by_run(study)
        for run in sweep_runs(ws, sweep):
            trial = trials.get(run["id"])
            if run["id"] not in run_ids or trial is None or run["status"] != "done":
                continue
            value = metric_value(ws, run, spec.objective, spec.objective_spec.direction)
            if value is None or not math.isfinite(value):
                continue
            if trial.state == TrialState.FAIL:
                params, dists = _trial_params(spec, run)
                attrs = {
                    **trial.user_attrs,
                    RUN_ATTR: run["id"],
                    "fertui_status": "done",
                    "fertui_reingested_from": trial.number,
                }
                study.add_trial(
                    create_trial(
                        state=TrialState.COMPLETE, value=value, params=params, distributions=dists, user_attrs=attrs
                    )
                )
                number = study.get_trials(deepcopy=False)[-1].number
                numbers[run["id"]] = {"trial": number}
                lines.append(
                    f"sweep {sweep}: run {run['id']} trial {trial.number} FAIL -> trial {number} "
                    f"COMPLETE ({spec.objective} {value:g})"
                )
            elif (
                trial.state == TrialState.COMPLETE
                and trial.value is not None
                and not math.isclose(trial.value, value, rel_tol=1e-9)
            ):
                lines.append(
                    f"sweep {sweep}: run {run['id']} trial {trial.number} keeps {spec.objective} "
                    f"{trial.value:g} (now {value:g}): Optuna never changes a finished trial"
                )
    Store(ws.store_path).update_runs(numbers)
    return lines
