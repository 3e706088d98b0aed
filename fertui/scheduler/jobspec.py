"""What a job is started with: its argv by kind and its environment (DESIGN.md §7)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from fertui.scheduler.executor import Slot

JOB_MODULES = {"train": "fertui.train", "bench": "fertui.bench"}


def flat_config(tree: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flat_config(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def job_argv(run: dict) -> list[str]:
    if run.get("kind") in JOB_MODULES:
        return [sys.executable, "-m", JOB_MODULES[run["kind"]]]
    return list(run.get("command") or [])


def job_env(run: dict, run_dir: Path, slot: Slot) -> dict[str, str]:
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (run.get("config", {}).get("job", {}).get("env") or {}).items()})
    env.update(slot.env())
    env.update({"FERTUI_RUN_DIR": str(run_dir), "FERTUI_RUN_ID": run["id"],
                "FERTUI_PARAMS": json.dumps(flat_config(run.get("config") or {}), default=str)})
    # `python` in a job's command means the interpreter fertui runs in (it has fertui.report).
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
