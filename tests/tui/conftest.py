"""Workspaces for the console tests, filled by real short jobs run through the real daemon.

One session-wide workspace is filled once (a small LR x depth grid of `python -c` jobs that
report through fertui.report, plus one whose loss turns NaN); each test gets its own copy.
Tests that need live jobs start the daemon themselves; teardown stops every daemon and kills
every job still alive.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fertui.config import config_from_command
from fertui.plan import enqueue
from fertui.run_docs import run_doc
from fertui.store import FINAL_STATES, Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for

WAIT_S = 90.0
FROZEN_TIME = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC: times in snapshots never drift

# A training-shaped job: start event, per-step loss/LR/throughput, per-epoch val/acc.
# No braces in the code: {...} would be read as a config placeholder.
TRAIN_JOB = """
import math, sys, time
import fertui.report as r
lr, depth, epochs, spe, pause, nan_at = (float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                         int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]))
if nan_at < 0 and lr >= 0.01:
    nan_at = 2 * spe - 2  # the notes: a large LR turns the loss NaN
r.start(epochs=epochs, steps_per_epoch=spe, objective='val/acc')
print('training depth', depth, 'lr', lr, flush=True)
for step in range(epochs * spe):
    loss = (2.0 + 0.1 * depth) * math.exp(-lr * 4000 * (step + 1) / (epochs * spe))
    if step == nan_at:
        loss = float('nan')
    r.log(dict([('train/loss', loss), ('train/lr', lr * (1 - step / (epochs * spe))),
                ('perf/img_per_s', 100.0 * depth)]), step=step)
    if loss != loss:
        print('loss is NaN at step', step, flush=True)
        sys.exit(r.EXIT_NAN)
    if (step + 1) % spe == 0:
        epoch = (step + 1) // spe
        acc = 60 + 5 * depth * (1 - math.exp(-epoch)) - 2000 * abs(lr - 3e-4)
        r.log(dict([('val/acc', round(acc, 2)), ('val/loss', loss * 1.1)]), step=step, epoch=epoch)
        print('epoch', epoch, 'val/acc', round(acc, 2), flush=True)
    time.sleep(pause)
"""

SWEEP = "CLSFER_SearchDepthLR"


def sweep_config(root: Path) -> Path:
    """A real LR x depth sweep config whose job is TRAIN_JOB with the cell's values."""
    import tomli_w

    config = {
        "run": {"name": "CLSFER_depth{model.depth}_SearchLR_lr{optim.lr}"},
        "job": {"command": [sys.executable, "-c", TRAIN_JOB, "{optim.lr}", "{model.depth}", "3", "4", "0", "-1"]},
        "sweep": {
            "name": SWEEP,
            "strategy": "grid",
            "objective": "val/acc",
            "axes": {"model.depth": [2, 4], "optim.lr": [1e-4, 3e-4, 1e-3, 1e-2]},
            "roles": {"model.depth": "scientific", "optim.lr": "nuisance"},
        },
    }
    path = root / "configs" / "search_depth_lr.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(config))
    return path


def train_command(
    lr: float, depth: int, epochs: int = 3, spe: int = 4, pause: float = 0.0, nan_at: int = -1
) -> list[str]:
    return [sys.executable, "-c", TRAIN_JOB, str(lr), str(depth), str(epochs), str(spe), str(pause), str(nan_at)]


def queue_job(ws, name: str, command: list[str], *sets: str) -> str:
    cfg = config_from_command(command, [f"run.name={name}", *sets])
    (run_id,) = enqueue(ws, [run_doc(cfg)])
    return run_id


def stop_everything(root: Path) -> None:
    """Stop the workspace's daemon and SIGKILL the process group of any job still alive."""
    from fertui.scheduler.daemon import daemon_status

    ws = open_workspace(root)
    status = daemon_status(ws)
    if status:
        try:
            os.kill(status["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    for run in Store(ws.store_path).runs():
        if run.get("status") == "running" and isinstance(run.get("pid"), int):
            try:
                os.killpg(run["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def write_settings(root: Path, cpu_slots: int = 2) -> None:
    (root / "fertui.toml").write_text(f"[scheduler]\ncpu_slots = {cpu_slots}\ncancel_grace_s = 2.0\n")


@pytest.fixture(scope="session")
def filled_template(tmp_path_factory) -> Path:
    """A workspace whose runs all ran for real: an LR x depth sweep of eight runs, the two
    at LR 1e-2 ending in NaN, queued the way the console's `a` picker queues it."""
    from fertui.config import load_config
    from fertui.plan import plan_runs
    from fertui.scheduler.daemon import ensure_daemon, stop_daemon

    root = tmp_path_factory.mktemp("filled")
    write_settings(root, cpu_slots=1)  # one slot: slots in snapshots are the same every time
    ws = open_workspace(root)
    # A real (tiny, short) benchmark for the Bench screen, measured while the sweep runs.
    bench = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fertui.cli.main",
            "--workspace",
            str(root),
            "bench",
            "clsfer_tiny",
            "--batch-sizes",
            "1,4",
            "--device",
            "cpu",
            "--mode",
            "infer",
            "--steps",
            "1",
            "--warmup",
            "0",
            "--save",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    enqueue(ws, plan_runs(load_config(sweep_config(root)), ws))
    try:
        ensure_daemon(ws)
        store = Store(ws.store_path)
        wait_for(lambda: all(r["status"] in FINAL_STATES for r in store.runs()), WAIT_S, "the fill jobs")
        stop_daemon(ws)
        _, err = bench.communicate(timeout=WAIT_S)
        assert bench.returncode == 0, err.decode()[-2000:]
    finally:
        if bench.poll() is None:
            bench.kill()
        stop_everything(root)
    return root


@pytest.fixture
def filled_ws(filled_template, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(filled_template, root, ignore=shutil.ignore_patterns("*.fifo", "*.lock", "daemon.pid"))
    yield open_workspace(root)
    stop_everything(root)


@pytest.fixture
def frozen_ws(filled_ws, monkeypatch):
    """The filled workspace plus two queued runs, with every time in the store set to
    FROZEN_TIME and shown in UTC, so snapshots are the same on every machine and day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    queue_job(filled_ws, "CLSFER_depth6_SearchLR_lr3e-4", train_command(3e-4, 6))
    queue_job(filled_ws, "CLSFER_depth8_SearchLR_lr3e-4", train_command(3e-4, 8), "run.priority=2")
    store = Store(filled_ws.store_path)
    with store.transaction() as db:
        for name in ("runs", "alerts"):
            table = db.table(name)
            for doc in table.all():
                fields = {k: FROZEN_TIME for k in ("created", "started", "ended", "time", "updated") if k in doc}
                if isinstance(doc.get("summary"), dict) and "updated" in doc["summary"]:
                    fields["summary"] = {**doc["summary"], "updated": FROZEN_TIME}
                table.update(fields, doc_ids=[doc.doc_id])
    yield filled_ws
    monkeypatch.delenv("TZ")
    time.tzset()


async def wait_until(pilot, condition, timeout: float = 30.0, what: str = "condition"):
    """Let the app run until CONDITION holds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.05)
