"""What a job is started with: its argv by kind and its environment (DESIGN.md §7)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from fertui.config.loader import flatten_free
from fertui.config.template import LAUNCH_KEYS, exact, render
from fertui.scheduler.executor import Slot
from fertui.scheduler.resume import RESUME_KEY, latest_checkpoint
from fertui.workspace import ENV_FILE

JOB_MODULES = {"train": "fertui.train", "bench": "fertui.bench"}


def job_argv(run: dict, run_dir: Path) -> list[str]:
    """The argv to start: a built-in job's module, or the command with {run.id}/{run.dir}/{run.resume}
    filled; with a checkpoint in the folder, the resuming form (``--resume``, ``[job] resume_command``)."""
    checkpoint = latest_checkpoint(run, run_dir)
    if run.get("kind") in JOB_MODULES:
        resume = ["--resume"] if checkpoint is not None and run["kind"] == "train" else []
        return [sys.executable, "-m", JOB_MODULES[run["kind"]], *resume]
    launch = dict(zip(LAUNCH_KEYS, (run["id"], str(run_dir), str(checkpoint or ""))))
    command = (run.get("resume_command") if checkpoint is not None else None) or run.get("command") or []
    whole_placeholder = "{" + RESUME_KEY + "}"
    return [
        render(arg, launch, run.get("source", ""), "job.command", fmt=exact)
        for arg in command
        if not (arg == whole_placeholder and checkpoint is None)
    ]  # a fresh start: no empty argument


def job_env(run: dict, run_dir: Path, slot: Slot) -> dict[str, str]:
    """Built-in jobs: the manager's environment. Command jobs: the queueing shell's (env.json),
    with fertui.report / fertui.wandb importable from whatever `python` that shell finds."""
    job = (run.get("config") or {}).get("job") or {}
    command_job = run.get("kind") == "command"
    env = _queued_env(run_dir) if command_job else None
    env = dict(os.environ) if env is None else env
    env.update({str(k): str(v) for k, v in (job.get("env") or {}).items()})
    env.update({k: v for k, v in slot.env().items() if k != "OMP_NUM_THREADS" or k not in (job.get("env") or {})})
    env.update(
        {
            "FERTUI_RUN_DIR": str(run_dir),
            "FERTUI_RUN_ID": run["id"],
            "FERTUI_RUN_NAME": run.get("name", ""),
            "FERTUI_PARAMS": json.dumps(flatten_free(run.get("config") or {}), default=str),
        }
    )
    if command_job:
        paths = [str(package_path(run_dir.parent))]
        if job.get("wandb") == "fertui":
            paths.insert(0, str(Path(__file__).resolve().parent.parent / "shims"))
        env["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [env.get("PYTHONPATH")])])
        # Where W&B and TensorBoard writers look by default, unless the user chose already.
        env.setdefault("WANDB_DIR", str(run_dir))
        env.setdefault("TENSORBOARD_LOGDIR", str(run_dir / "tensorboard"))
    else:
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _queued_env(run_dir: Path) -> dict[str, str] | None:
    try:
        env = json.loads((run_dir / ENV_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # queued before fertui kept it, or unreadable: the manager's own
    return {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else None


def package_path(runs_dir: Path) -> Path:
    """A folder holding only a link to the fertui package, for a job's PYTHONPATH: adding the
    package's real parent would also expose its neighbours (a `models/` beside it would shadow
    the user's own `models` package)."""
    folder = runs_dir / ".jobpath"
    link, target = folder / "fertui", Path(__file__).resolve().parent.parent
    if not (link.is_symlink() and link.resolve() == target):
        folder.mkdir(parents=True, exist_ok=True)
        if link.is_dir() and not link.is_symlink():  # a workspace copied with its links followed
            shutil.rmtree(link, ignore_errors=True)
        tmp = folder / f".fertui.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target, target_is_directory=True)
        os.replace(tmp, link)  # atomic: a job starting meanwhile sees the old link or the new one
    return folder
