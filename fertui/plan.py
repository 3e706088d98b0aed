"""From a validated config to run documents, and enqueueing them with their folders."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import tomli_w

from fertui.config import RunConfig, exact, render, sanitize_name
from fertui.config.template import LAUNCH_KEYS
from fertui.atomicio import atomic_write_text
from fertui.store import Store
from fertui.workspace import ENV_FILE, Workspace


def run_doc(cfg: RunConfig, sweep: str | None = None, cell: dict[str, Any] | None = None) -> dict:
    """The store document of one run of CFG (one cell of SWEEP when given)."""
    flat = cfg.flat()
    run, job = cfg.data["run"], cfg.data["job"]
    name = sanitize_name(render(run["name"], {k: v for k, v in flat.items() if k != "run.name"},
                                cfg.source, "run.name"))
    flat["run.name"] = name
    command = [render(arg, flat, cfg.source, "job.command", fmt=exact, keep=LAUNCH_KEYS, unescape=False)
               for arg in job["command"]]
    resolved = cfg.to_toml_dict()
    resolved.pop("sweep", None)
    resolved["run"]["name"] = name
    if job["kind"] == "command":
        resolved["job"]["cwd"] = str(command_cwd(cfg, job["cwd"]))
    doc = {
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
    if job["kind"] == "command":  # kept in the run folder (env.json), not in the store
        doc["shell_env"] = shell_environment()
    return doc


# Set per job by the scheduler, or tied to the queueing shell's terminal and folder.
NOT_INHERITED = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "PWD", "OLDPWD", "SHLVL", "_", "TMUX", "TMUX_PANE")


def shell_environment() -> dict[str, str]:
    """The environment a command job inherits: the queueing shell's (its PATH finds the user's
    conda or venv `python`, not fertui's), less what belongs to that shell or to fertui."""
    return {k: v for k, v in os.environ.items() if k not in NOT_INHERITED and not k.startswith("FERTUI_")}


def command_cwd(cfg: RunConfig, cwd: str) -> Path:
    """A command job's working directory: ``[job] cwd`` (relative to where fertui was called),
    or that directory itself; it must exist now, not 45 s into the run."""
    from fertui.errors import ConfigError

    path = (Path.cwd() / Path(cwd).expanduser()).resolve() if cwd else Path.cwd().resolve()
    if not path.is_dir():
        raise ConfigError(cfg.source, "job.cwd", f"expected an existing directory, got {str(path)!r}")
    return path


def plan_runs(cfg: RunConfig, workspace: Workspace) -> list[dict]:
    """Every run CFG asks for: one, or a sweep's cells × seeds."""
    from fertui.preflight import check_docs

    if cfg.sweep is not None:
        from fertui.sweeps.expand import plan_sweep  # only sweeps need Optuna and friends

        docs = plan_sweep(cfg, workspace)
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
