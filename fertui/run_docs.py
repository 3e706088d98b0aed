"""From a validated config to a run's store document (one run, or one sweep cell), and the
documents of retries. Below ``plan`` (which queues them) and ``sweeps.expand`` (which makes one
per cell): both import this, neither imports the other's caller.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fertui.config import RunConfig, exact, render, sanitize_name
from fertui.config.template import LAUNCH_KEYS


def run_doc(cfg: RunConfig, sweep: str | None = None, cell: dict[str, Any] | None = None) -> dict:
    """The store document of one run of CFG (one cell of SWEEP when given)."""
    flat = cfg.flat()
    run, job = cfg.data["run"], cfg.data["job"]
    name = sanitize_name(
        render(run["name"], {k: v for k, v in flat.items() if k != "run.name"}, cfg.source, "run.name")
    )
    flat["run.name"] = name
    command = [
        render(arg, flat, cfg.source, "job.command", fmt=exact, keep=LAUNCH_KEYS, unescape=False)
        for arg in job["command"]
    ]
    resume_command = [
        render(arg, flat, cfg.source, "job.resume_command", fmt=exact, keep=LAUNCH_KEYS, unescape=False)
        for arg in job.get("resume_command") or []
    ]
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
    if resume_command:
        doc["resume_command"] = resume_command
    if job["kind"] == "command":  # kept in the run folder (env.json), not in the store
        doc["shell_env"] = shell_environment()
    return doc


CLONED_FIELDS = ("name", "kind", "command", "resume_command", "config", "params", "sweep", "tags", "priority", "source")


def clone_for_retry(run: dict, attempts: int) -> dict:
    """A fresh queued run with RUN's config (the old one keeps its logs and outcome): a retry,
    or the scheduler's requeue of a lost run."""
    return {**{k: run[k] for k in CLONED_FIELDS if k in run}, "attempts": attempts, "retry_of": run["id"]}


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
