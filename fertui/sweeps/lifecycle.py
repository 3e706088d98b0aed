"""What the scheduler tells a sweep: each epoch's objective (for pruning) and each run's end.

Both are safe to call more than once for the same run and epoch. For tpe/random sweeps a
finished run makes room for the next cell Optuna proposes, until the budget is used.
"""

from __future__ import annotations

import math
import warnings

from fertui.store import ACTIVE_STATES
from fertui.sweeps.spec import SweepSpec, cell_of, load_spec
from fertui.sweeps.study import open_study, optuna_lock, storage_for, sync, trials_by_run
from fertui.workspace import Workspace


def report_epoch(ws: Workspace, run: dict, epoch: int, value: float) -> bool:
    """Record RUN's objective after EPOCH; True when the sweep's pruner says stop it."""
    spec = load_spec(ws, run.get("sweep") or "") if run.get("sweep") else None
    if spec is None or spec.pruner == "none":
        return False
    import optuna

    with optuna_lock(ws):
        study = open_study(ws, spec)
        trial = trials_by_run(study).get(run["id"])
        if trial is None:
            trial = trials_by_run(sync(ws, spec)).get(run["id"])
        if trial is None or trial.state.is_finished():
            return False
        storage = storage_for(ws)
        live = optuna.trial.Trial(
            study,
            storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(spec.name), trial.number),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a repeated epoch is ignored by Optuna with a warning
            live.report(float(value) if math.isfinite(value) else float("nan"), int(epoch))
        return bool(live.should_prune())


def run_finished(ws: Workspace, run: dict) -> None:
    """Tell Optuna how RUN ended; for tpe/random sweeps, queue the next proposed cells."""
    spec = load_spec(ws, run.get("sweep") or "") if run.get("sweep") else None
    if spec is None:
        return
    with optuna_lock(ws):
        sync(ws, spec, fresh=run)
        if spec.strategy in ("tpe", "random"):
            top_up(ws, spec)


def top_up(ws: Workspace, spec: SweepSpec) -> list[str]:
    """Queue cells until INITIAL_TRIALS are in flight or the budget (in runs) is spent."""
    from fertui.plan import enqueue
    from fertui.sweeps.expand import INITIAL_TRIALS, cell_docs
    from fertui.sweeps.ranking import propose_cells
    from fertui.sweeps.results import sweep_observations

    observations, taken = sweep_observations(ws, spec)
    in_flight = {cell_of(spec, o.cell) for o in observations if o.status in ACTIVE_STATES}
    per_cell = len(spec.seeds)
    room = (spec.run_budget() - sum(taken.values())) // per_cell
    want = min(INITIAL_TRIALS - len(in_flight), room)
    if want <= 0:
        return []
    picks = propose_cells(spec, observations, set(taken), want, sampler=spec.strategy, seed=len(observations))
    if not picks:
        return []
    return enqueue(ws, cell_docs(spec, [p.cell for p in picks]))


def reconcile(ws: Workspace) -> None:
    """Sync every sweep's study with the store (e.g. when a scheduler starts after a crash):
    runs without a trial get one; RUNNING trials of runs that ended are told."""
    from fertui.store import Store
    from fertui.sweeps.spec import SweepSpec

    for doc in Store(ws.store_path).sweeps():
        sync(ws, SweepSpec.from_doc(doc))
