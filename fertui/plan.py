"""Queueing runs: a config's run documents (run_docs, sweeps.expand), their folders, the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import tomli_w

from fertui.atomicio import atomic_write_text
from fertui.config import RunConfig
from fertui.depends import resolve_after
from fertui.run_docs import run_doc
from fertui.store import Store
from fertui.store_acks import acknowledge
from fertui.workspace import ENV_FILE, Workspace


def plan_runs(cfg: RunConfig, workspace: Workspace, force: bool = False) -> list[dict]:
    """Every run CFG asks for: one, or a sweep's cells × seeds (FORCE: into an existing sweep
    even where CFG changes a key outside its axes)."""
    from fertui.preflight import check_docs, check_objective

    check_objective(cfg)  # before a sweep is expanded: a typo costs nothing
    if cfg.sweep is not None:
        from fertui.sweeps.expand import plan_sweep  # only sweeps need Optuna and friends

        docs = plan_sweep(cfg, workspace, force)
    else:
        docs = [run_doc(cfg)]
    check_docs(docs, workspace)
    return docs


def write_run_folder(workspace: Workspace, run_id: str, doc: dict) -> None:
    folder = workspace.run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=False)
    try:
        _fill_run_folder(workspace, folder, run_id, doc)
    except BaseException:  # a full disk half-way: no empty runs/000NN/ left behind
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _fill_run_folder(workspace: Workspace, folder: Path, run_id: str, doc: dict) -> None:
    env = doc.pop("shell_env", None)
    if env is None and doc.get("retry_of") and doc.get("kind") == "command":  # a retry runs as the original did
        try:
            env = json.loads((workspace.run_dir(doc["retry_of"]) / ENV_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            env = None
    if env is not None:  # 0600: it may hold the user's tokens
        atomic_write_text(folder / ENV_FILE, json.dumps(env, indent=0, sort_keys=True), private=True)
    config = {**doc["config"], "fertui": {"id": run_id, "name": doc["name"], "sweep": doc["sweep"] or ""}}
    atomic_write_text(folder / "config.toml", tomli_w.dumps(config))


def enqueue(workspace: Workspace, docs: list[dict]) -> list[str]:
    """Queue DOCS all together: folders and store entries, or nothing at all."""
    from fertui.provenance.record import QueueRecorder

    created: list[Path] = []
    provenance = QueueRecorder()
    for doc in docs:
        provenance.mark(doc)

    def prepare(run_id: str, doc: dict) -> None:
        write_run_folder(workspace, run_id, doc)
        created.append(workspace.run_dir(run_id))
        provenance.write(workspace.run_dir(run_id), doc)

    sweep_specs = [doc.pop("sweep_spec") for doc in docs if "sweep_spec" in doc]  # stored by fertui.sweeps
    store = Store(workspace.store_path)
    for doc in docs:  # resolved before anything is written: an unknown reference queues nothing
        refs = ((doc.get("config") or {}).get("run") or {}).get("after") or []
        if refs:
            doc["after_runs"], doc["after_sweeps"] = resolve_after(
                store, refs, f"{doc.get('source') or '--set'}: run.after"
            )
    try:
        ids = store.add_runs(docs, prepare=prepare)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        acknowledge(workspace.runs_dir, ids)
    except OSError:  # the runs are queued; the log only tells a later restore these ids were given out
        pass
    if any(doc.get("sweep") for doc in docs):
        from fertui.sweeps.study import on_enqueued  # keeps the sweep spec, gives each run an Optuna trial

        on_enqueued(workspace, ids, docs, sweep_specs)
    from fertui.wake import wake_scheduler

    wake_scheduler(workspace)
    return ids
