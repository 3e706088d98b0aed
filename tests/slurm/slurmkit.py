"""Helpers for the slurm tests: workspaces that use the test cluster, and what Slurm says."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import tomli_w

from tests import waiting


def slurm_env(conf: Path) -> dict[str, str]:
    return {**os.environ, "SLURM_CONF": str(conf)}


def make_workspace(root: Path, conf: Path | None, **executor) -> Path:
    """A workspace whose fertui.toml picks the slurm executor on CONF's cluster (local when None)."""
    root.mkdir(parents=True, exist_ok=True)
    scheduler = {"retry": 1, "cancel_grace_s": 5.0}
    if conf is None:
        settings = {"scheduler": {**scheduler, "cpu_slots": 4}, "executor": {"kind": "local"}}
    else:
        settings = {
            "scheduler": scheduler,
            "executor": {"kind": "slurm", "slurm_conf": str(conf), "cpus": 1, **executor},
        }
    (root / "fertui.toml").write_text(tomli_w.dumps(settings), encoding="utf-8")
    return root


def squeue_active(conf: Path) -> dict[str, str]:
    """{job id: state} of the jobs squeue lists by default (pending, running, completing)."""
    out = subprocess.run(
        ["squeue", "-h", "-o", "%i %T"], capture_output=True, text=True, check=True, env=slurm_env(conf)
    ).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def job_field(conf: Path, job_id: str, key: str) -> str:
    """One field of ``scontrol show job -o`` (e.g. JobState, TimeLimit), '' when unknown."""
    out = subprocess.run(
        ["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True, env=slurm_env(conf)
    ).stdout
    return next((t.split("=", 1)[1] for t in out.split() if t.startswith(f"{key}=")), "")


wait_for = functools.partial(waiting.wait_for, interval=0.2)  # squeue is not free: poll gently
