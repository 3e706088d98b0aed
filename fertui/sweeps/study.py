"""Every sweep is a real Optuna study, one trial per run, so optuna-dashboard opens it as is.

Storage: ``runs/optuna.journal`` (a JournalStorage file) or the URL in ``fertui.toml``
``[optuna] storage``. A run's trial is created RUNNING when the run is queued (with the
run's id in the user attribute ``fertui_run`` and its number in the run doc's ``trial``)
and told when the run ends. :func:`sync` makes the study agree with the store again after
any crash: runs without a trial get one, trials of finished runs are told.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from filelock import FileLock

from fertui.store import ACTIVE_STATES, Store
from fertui.sweeps.cells import variant_of
from fertui.sweeps.results import flat_config, lookup, metric_value, sweep_runs
from fertui.sweeps.spec import SweepSpec, load_spec, merged
from fertui.workspace import Workspace

RUN_ATTR = "fertui_run"
_storages: dict[str, Any] = {}
_locks: dict[str, FileLock] = {}


def storage_for(ws: Workspace):
    """The Optuna storage of WS (cached: a journal replays only new lines on each read)."""
    import optuna

    setting = str(ws.setting("optuna", "storage"))
    if "://" in setting:
        key = setting
        if key not in _storages:
            _storages[key] = optuna.storages.RDBStorage(setting)
        return _storages[key]
    path = Path(setting) if Path(setting).is_absolute() else ws.root / setting
    key = str(path)
    if key not in _storages:
        from optuna.storages.journal import JournalFileBackend

        from fertui.sweeps.journal_repair import check_journal

        check_journal(path)  # a torn line: one line naming the repair, not Optuna's JSONDecodeError
        path.parent.mkdir(parents=True, exist_ok=True)
        _storages[key] = optuna.storages.JournalStorage(JournalFileBackend(key))
    return _storages[key]


def optuna_lock(ws: Workspace) -> FileLock:
    """One lock for fertui's study updates (re-entrant within a process)."""
    path = str(ws.runs_dir / "optuna.fertui.lock")
    if path not in _locks:
        ws.runs_dir.mkdir(parents=True, exist_ok=True)
        _locks[path] = FileLock(path, timeout=120)
    return _locks[path]


def make_pruner(spec: SweepSpec):
    import optuna

    # Steps are 1-based epochs: with pruner_warmup = W, epochs 1..W are never pruned.
    if spec.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=spec.pruner_warmup + 1)
    if spec.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=spec.pruner_warmup + 1, reduction_factor=3)
    return optuna.pruners.NopPruner()


def open_study(ws: Workspace, spec: SweepSpec):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=storage_for(ws),
        study_name=spec.name,
        direction=spec.direction,
        load_if_exists=True,
        pruner=make_pruner(spec),
    )
    if "fertui" not in study.user_attrs:
        study.set_user_attr("fertui", {"objective": spec.objective, "strategy": spec.strategy})
        _quietly(study.set_metric_names, [spec.objective])
    return study


def _quietly(fn, *args) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # set_metric_names is marked experimental
        fn(*args)


def trials_by_run(study) -> dict[str, Any]:
    return {t.user_attrs[RUN_ATTR]: t for t in study.get_trials(deepcopy=False) if RUN_ATTR in t.user_attrs}


def _trial_params(spec: SweepSpec, run: dict) -> tuple[dict, dict]:
    params, dists = {}, {}
    for axis in spec.axes:
        value, dist = lookup(run, axis.key), axis.distribution()
        if value is None:
            continue
        if axis.ordered and not (dist.low <= value <= dist.high):
            continue
        if not axis.ordered and value not in dist.choices:
            continue
        params[axis.key], dists[axis.key] = value, dist
    return params, dists


def register(ws: Workspace, spec: SweepSpec, study, run: dict) -> int:
    """Create RUN's trial (RUNNING, with the cell's params); its trial number."""
    from optuna.trial import TrialState, create_trial

    params, dists = _trial_params(spec, run)
    attrs = {RUN_ATTR: run["id"], "fertui_name": run.get("name", ""), "seed": lookup(run, "run.seed")}
    variant = variant_of(spec, flat_config(run))
    if variant:  # a --force run: same params as a cell of the sweep, another setting (fertui.sweeps.cells)
        attrs["fertui_variant"] = {key: value for key, value in variant}
    template = create_trial(state=TrialState.RUNNING, params=params, distributions=dists, user_attrs=attrs)
    storage = storage_for(ws)
    trial_id = storage.create_new_trial(storage.get_study_id_from_name(spec.name), template_trial=template)
    return storage.get_trial_number_from_id(trial_id)


def tell(ws: Workspace, spec: SweepSpec, study, trial, run: dict) -> None:
    """Tell Optuna how RUN ended (nothing while it is queued or running; twice is harmless)."""
    from optuna.trial import TrialState

    status = run["status"]
    if status in ACTIVE_STATES or trial.state.is_finished():
        return
    storage = storage_for(ws)
    trial_id = storage.get_trial_id_from_study_id_trial_number(storage.get_study_id_from_name(spec.name), trial.number)
    storage.set_trial_user_attr(trial_id, "fertui_status", status)
    value = metric_value(ws, run, *spec.metric_direction(None)) if status == "done" else None
    if status == "done" and value is not None and math.isfinite(value):
        study.tell(trial.number, value, skip_if_finished=True)
    elif status == "pruned":
        study.tell(trial.number, state=TrialState.PRUNED, skip_if_finished=True)
    else:  # nan, failed, oom, lost, cancelled, or done without the objective
        study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)


def sync(ws: Workspace, spec: SweepSpec, fresh: dict | None = None):
    """Make the study agree with the store: every run has a trial, every ended run is told.

    FRESH: a run doc newer than the store's copy (the scheduler may call before it writes).
    """
    with optuna_lock(ws):
        study = open_study(ws, spec)
        trials = trials_by_run(study)
        store = Store(ws.store_path)
        numbers: dict[str, dict] = {}
        runs = sweep_runs(ws, spec.name)
        for run in runs:
            if fresh is not None and fresh.get("id") == run["id"] and fresh.get("status") not in ACTIVE_STATES:
                run = {**run, **fresh}
            trial = trials.get(run["id"])
            if trial is None:
                number = register(ws, spec, study, run)
                numbers[run["id"]] = {"trial": number}
                trial = study.get_trials(deepcopy=False)[number]
            elif run.get("trial") != trial.number:
                numbers[run["id"]] = {"trial": trial.number}
            tell(ws, spec, study, trial, run)
        known = {r["id"] for r in runs}
        for run_id, trial in trials.items():  # a trial whose run vanished from the store
            if run_id not in known and not trial.state.is_finished():
                from optuna.trial import TrialState

                study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
        store.update_runs(numbers)
        return study


def on_enqueued(ws: Workspace, ids: list[str], docs: list[dict], specs: list[dict]) -> None:
    """After runs are queued: keep each new sweep spec and give every new run its trial."""
    store = Store(ws.store_path)
    for doc in specs:
        new = SweepSpec.from_doc(doc)
        old = load_spec(ws, new.name)
        spec = merged(old, new) if old else new
        record = spec.to_doc()
        if old is not None and old.base:  # the sweep's cells are defined by its first base (a --force
            record["base"] = old.base  # add's runs are variants of them, fertui.sweeps.cells)
        record["created"] = (store.get_sweep(new.name) or {}).get("created") or record["updated"]
        store.put_sweep(record)
    for name in sorted({d["sweep"] for d in docs if d.get("sweep")}):
        spec = load_spec(ws, name)
        if spec is None:
            continue  # a run that names a sweep nobody defined: nothing for Optuna to track
        try:
            sync(ws, spec)
        except Exception as exc:  # the runs are queued; the study catches up at the next sync
            store.add_alert(None, "optuna", f"sweep {name}: could not update the Optuna study ({exc})")
