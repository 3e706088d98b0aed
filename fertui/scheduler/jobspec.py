"""What a job is started with: its argv by kind and its environment (DESIGN.md §7)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from fertui.config.loader import flatten_free
from fertui.scheduler.executor import Slot

JOB_MODULES = {"train": "fertui.train", "bench": "fertui.bench"}


def job_argv(run: dict) -> list[str]:
    if run.get("kind") in JOB_MODULES:
        return [sys.executable, "-m", JOB_MODULES[run["kind"]]]
    return list(run.get("command") or [])


def job_env(run: dict, run_dir: Path, slot: Slot) -> dict[str, str]:
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (run.get("config", {}).get("job", {}).get("env") or {}).items()})
    env.update(slot.env())
    env.update({"FERTUI_RUN_DIR": str(run_dir), "FERTUI_RUN_ID": run["id"],
                "FERTUI_PARAMS": json.dumps(flatten_free(run.get("config") or {}), default=str)})
    # `python` in a job's command means the interpreter fertui runs in (it has fertui.report).
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
