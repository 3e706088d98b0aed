"""From a validated config to run documents, and enqueueing them with their folders."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import tomli_w

from fertui.config import RunConfig, exact, render, sanitize_name
from fertui.atomicio import atomic_write_text
from fertui.store import Store
from fertui.workspace import Workspace


def run_doc(cfg: RunConfig, sweep: str | None = None, cell: dict[str, Any] | None = None) -> dict:
    """The store document of one run of CFG (one cell of SWEEP when given)."""
    flat = cfg.flat()
    run, job = cfg.data["run"], cfg.data["job"]
    name = sanitize_name(render(run["name"], flat, cfg.source, "run.name"))
    command = [render(arg, flat, cfg.source, "job.command", fmt=exact) for arg in job["command"]]
    resolved = cfg.to_toml_dict()
    resolved.pop("sweep", None)
    resolved["run"]["name"] = name
    return {
        "name": name,
        "kind": job["kind"],
        "command": command,
        "config": resolved,
        "params": dict(cell or {}),
        "sweep": sweep,
        "tags": list(run["tags"]),
        "priority": run["priority"],
        "source": cfg.source,
    }


def plan_runs(cfg: RunConfig, workspace: Workspace) -> list[dict]:
    """Every run CFG asks for: one, or a sweep's cells × seeds."""
    if cfg.sweep is not None:
        from fertui.sweeps.expand import plan_sweep  # only sweeps need Optuna and friends

        return plan_sweep(cfg, workspace)
    return [run_doc(cfg)]


def write_run_folder(workspace: Workspace, run_id: str, doc: dict) -> None:
    folder = workspace.run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=False)
    config = {**doc["config"], "fertui": {"id": run_id, "name": doc["name"], "sweep": doc["sweep"] or ""}}
    atomic_write_text(folder / "config.toml", tomli_w.dumps(config))


def enqueue(workspace: Workspace, docs: list[dict]) -> list[str]:
    """Queue DOCS all together: folders and store entries, or nothing at all."""
    created: list[Path] = []

    def prepare(run_id: str, doc: dict) -> None:
        write_run_folder(workspace, run_id, doc)
        created.append(workspace.run_dir(run_id))

    sweep_specs = [doc.pop("sweep_spec") for doc in docs if "sweep_spec" in doc]  # stored by fertui.sweeps
    store = Store(workspace.store_path)
    try:
        ids = store.add_runs(docs, prepare=prepare)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if any(doc.get("sweep") for doc in docs):
        from fertui.sweeps.study import on_enqueued  # keeps the sweep spec, gives each run an Optuna trial

        on_enqueued(workspace, ids, docs, sweep_specs)
    from fertui.wake import wake_scheduler

    wake_scheduler(workspace)
    return ids
