"""Scheduler latency and overhead, measured against a real daemon and real job subprocesses.

1. Wake-up latency: with the daemon idle (asleep on the wake pipe), the time from calling
   `fertui add` (a new process, as a user types it) and from the library's `enqueue` (what
   the console calls) to (a) the scheduler launching the job, (b) the wrapper spawning the
   job's process, (c) the job's first line of Python running. Medians of ROUNDS.
2. CPU use of the daemon process itself (not its jobs) while 8 jobs each log 50 events/s.

Usage: .venv/bin/python benchmarks/scheduler_latency.py [--rounds N] [--seconds S] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from fertui.config import config_from_command
from fertui.plan import enqueue
from fertui.run_docs import run_doc
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

MARK = "import os, time; open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'first_line'), 'w').write(repr(time.time()))"
CHATTY = (
    "import fertui.report as r, time\n"
    "for i in range(N): r.log({'train/loss': 1.0 / (i + 1), 'train/lr': 0.001}, step=i); time.sleep(0.02)"
)


def wait_done(ws, run_id: str, timeout: float = 60.0) -> dict:
    store, deadline = Store(ws.store_path), time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = store.get_run(run_id)
        if run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.02)
    raise SystemExit(f"run {run_id} did not finish in {timeout} s")


def latency(root: Path, rounds: int) -> dict[str, list[float]]:
    ws = open_workspace(root)
    fertui = str(Path(sys.executable).with_name("fertui"))
    out: dict[str, list[float]] = {
        k: []
        for k in (
            "cli_launch",
            "cli_spawn",
            "cli_first_line",
            "cli_add_exits",
            "lib_launch",
            "lib_spawn",
            "lib_first_line",
        )
    }
    for i in range(rounds):
        for via in ("cli", "lib"):
            time.sleep(2.5)  # let the daemon fall asleep on its idle tick
            t0 = time.time()
            if via == "cli":
                proc = subprocess.run(
                    [fertui, "--workspace", str(root), "add", "--", "python", "-c", MARK],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                out["cli_add_exits"].append(time.time() - t0)
                run_id = proc.stdout.split()[0]
            else:
                (run_id,) = enqueue(ws, [run_doc(config_from_command(["python", "-c", MARK]))])
            run = wait_done(ws, run_id)
            run_dir = ws.run_dir(run_id)
            spawned = json.loads((run_dir / "exit.json").read_text())["started"]
            first = float((run_dir / "first_line").read_text())
            out[f"{via}_launch"].append(run["started"] - t0)
            out[f"{via}_spawn"].append(spawned - t0)
            out[f"{via}_first_line"].append(first - t0)
        print(
            f"round {i + 1}/{rounds}: cli first line {out['cli_first_line'][-1] * 1000:.0f} ms, "
            f"lib first line {out['lib_first_line'][-1] * 1000:.0f} ms",
            file=sys.stderr,
        )
    return out


def cpu_use(root: Path, seconds: float, jobs: int) -> dict:
    (root / "fertui.toml").write_text(f"[scheduler]\ncpu_slots = {jobs}\n")
    ws = open_workspace(root)
    pid = ensure_daemon(ws)
    steps = int((seconds + 15) * 50)
    ids = enqueue(
        ws, [run_doc(config_from_command(["python", "-c", CHATTY.replace("N", str(steps))])) for _ in range(jobs)]
    )
    store = Store(ws.store_path)
    deadline = time.monotonic() + 60
    while sum(1 for r in store.runs() if r["id"] in ids and r["status"] == "running") < jobs:
        if time.monotonic() > deadline:
            raise SystemExit("the jobs did not all start")
        time.sleep(0.1)
    time.sleep(3)  # past start-up: measure the steady state
    daemon = psutil.Process(pid)
    c0, w0 = daemon.cpu_times(), time.monotonic()
    events0 = sum(len((ws.run_dir(i) / "events.jsonl").read_bytes().splitlines()) for i in ids)
    time.sleep(seconds)
    c1, w1 = daemon.cpu_times(), time.monotonic()
    events1 = sum(len((ws.run_dir(i) / "events.jsonl").read_bytes().splitlines()) for i in ids)
    for run_id in ids:
        wait_done(ws, run_id, timeout=seconds + 120)
    busy = (c1.user + c1.system) - (c0.user + c0.system)
    return {
        "cpu_percent_of_one_core": 100 * busy / (w1 - w0),
        "events_per_s": (events1 - events0) / (w1 - w0),
        "window_s": w1 - w0,
        "store_summaries": [store.get_run(i)["summary"].get("step") for i in ids],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = open_workspace(root)
        ensure_daemon(ws)
        try:
            lat = latency(root, args.rounds)
        finally:
            stop_daemon(ws)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            cpu = cpu_use(root, args.seconds, args.runs)
        finally:
            stop_daemon(open_workspace(root))
    print(
        f"machine: {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {psutil.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}"
    )
    print(
        f"latency, median of {args.rounds} (ms): "
        + ", ".join(
            f"{k} {statistics.median(v) * 1000:.0f} (min {min(v) * 1000:.0f}, max {max(v) * 1000:.0f})"
            for k, v in lat.items()
        )
    )
    print(
        f"daemon CPU with {args.runs} jobs: {cpu['cpu_percent_of_one_core']:.1f} % of one core, "
        f"{cpu['events_per_s']:.0f} events/s ingested over {cpu['window_s']:.0f} s; final steps {cpu['store_summaries']}"
    )


if __name__ == "__main__":
    main()
