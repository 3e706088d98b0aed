"""Helpers for the trainer/bench tests: a run folder like the manager writes, the job as a real subprocess."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import tomli_w

from tests import waiting

# Small enough for 2 shared CPU cores: 32 px images, a one-block tiny CLSFER, one thread.
TINY = {
    "model": {"name": "clsfer_tiny", "depth": 1, "input_size": 32},
    "data": {"name": "synthetic", "synthetic_train": 224, "synthetic_test": 70, "batch_size": 32},
    "optim": {"lr": 2e-3},
    "train": {"epochs": 2, "log_every": 1, "threads": 1},
}


def merged(base: dict, over: dict) -> dict:
    out = {k: dict(v) for k, v in base.items()}
    for section, values in over.items():
        out.setdefault(section, {}).update(values)
    return out


def write_run(
    workspace: Path,
    overrides: dict | None = None,
    run_id: str = "00001",
    base: dict | None = None,
    data_cache: Path | None = None,
) -> Path:
    config = merged(TINY if base is None else base, overrides or {})
    folder = workspace / "runs" / run_id
    folder.mkdir(parents=True)
    cache = workspace / "runs" / ".cache"
    if data_cache is not None and not cache.exists():
        cache.symlink_to(data_cache)  # the synthetic set is drawn once per test session, not per test
    config["fertui"] = {"id": run_id, "name": f"test{run_id}", "sweep": ""}
    (folder / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return folder


def start_job(run_dir: Path, module: str = "fertui.train", *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FERTUI_RUN_DIR": str(run_dir),
        "FERTUI_RUN_ID": run_dir.name,
        "OMP_NUM_THREADS": "1",
        "CUDA_VISIBLE_DEVICES": "",
    }
    with open(run_dir / "stdout.log", "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=run_dir.parent.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def run_job(run_dir: Path, module: str = "fertui.train", *args: str, timeout: float = 120) -> int:
    proc = start_job(run_dir, module, *args)
    try:
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()


def events(run_dir: Path) -> list[dict]:
    from fertui.jsonio import loads

    path = run_dir / "events.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").split("\n")
    return [loads(line) for line in lines[:-1] if line]  # the last piece may be half-written


def train_logs(evs: list[dict]) -> list[dict]:
    return [e for e in evs if e["type"] == "log" and "train/lr" in e["metrics"]]


def val_logs(evs: list[dict]) -> list[dict]:
    return [e for e in evs if e["type"] == "log" and "val/acc" in e["metrics"]]


wait_for = functools.partial(waiting.wait_for, timeout=90, interval=0.005)  # fine-grained: kill mid-epoch


def stdout_of(run_dir: Path) -> str:
    return (run_dir / "stdout.log").read_text(errors="replace")


def dump(obj) -> str:
    return json.dumps(obj, default=str)[:2000]
