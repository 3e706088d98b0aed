"""The console under load: 2,000 runs in the store and 8 jobs logging live.

Measures (1) one refresh of the runs screen: the UI-thread work when the watcher delivers a
new store snapshot (diff 2,000 runs, update changed cells), median and p95, plus the
watcher-thread parse of the snapshot; (2) the console's CPU use, in-process (headless) and as
a real `fertui` in an 80x24 tmux terminal; (3) NaN-to-toast latency: from the time stamp of
a job's NaN event to the console's toast.

Usage: .venv/bin/python benchmarks/tui_refresh.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
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
from fertui.store import Store
from fertui.workspace import open_workspace

HISTORY = 1992
LIVE = 8
LIVE_JOB = """
import math, sys, time
import fertui.report as r
r.start(epochs=100, steps_per_epoch=200, objective='val/acc')
for step in range(20000):
    r.log(dict([('train/loss', 2 * math.exp(-step / 3000)), ('train/lr', 1e-4), ('perf/img_per_s', 900.0)]), step=step)
    if step % 200 == 199:
        r.log(dict([('val/acc', 60 + step / 1000)]), step=step, epoch=step // 200 + 1)
    time.sleep(0.05)
"""
NAN_JOB = """
import time
import fertui.report as r
r.start(epochs=1, steps_per_epoch=100)
for step in range(40):
    r.log(dict([('train/loss', 1.0 if step < 30 else float('nan'))]), step=step)
    if step >= 30:
        raise SystemExit(r.EXIT_NAN)
    time.sleep(0.1)
"""


def fill(root: Path) -> None:
    (root / "fertui.toml").write_text(f"[scheduler]\ncpu_slots = {LIVE + 1}\n")
    ws = open_workspace(root)
    docs = []
    for i in range(HISTORY):  # finished history: store documents shaped as the ingest leaves them
        depth, lr = 2 + i % 4 * 2, [1e-5, 3e-5, 1e-4, 3e-4][i // 4 % 4]
        doc = run_doc(config_from_command(["true"], [f"run.name=CLSFERBaseline_depth{depth}_SearchLR_{i}"]))
        doc["params"] = {"model.depth": depth, "optim.lr": lr}
        docs.append(doc)
    ids = enqueue(ws, docs)
    now = time.time()
    Store(ws.store_path).update_runs(
        {
            run_id: {
                "status": "done",
                "started": now - 3600,
                "ended": now - 60,
                "slot": "cpu0",
                "exit_code": 0,
                "summary": {
                    "step": 9999,
                    "epoch": 50,
                    "epochs": 50,
                    "steps_per_epoch": 200,
                    "progress": 1.0,
                    "last": {"train/loss": 0.4 + i % 9 / 100},
                    "best": {"val/acc": 80.0 + i % 7},
                    "img_per_s": 900.0,
                    "objective": "val/acc",
                },
            }
            for i, run_id in enumerate(ids)
        }
    )
    for i in range(LIVE):
        enqueue(ws, [run_doc(config_from_command([sys.executable, "-c", LIVE_JOB], [f"run.name=live_{i}"]))])


def stop(root: Path) -> None:
    from fertui.scheduler.daemon import stop_daemon

    ws = open_workspace(root)
    for run in Store(ws.store_path).runs():
        if run["status"] == "running" and isinstance(run.get("pid"), int):
            try:
                os.killpg(run["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    stop_daemon(ws)


async def headless(root: Path, seconds: float) -> dict:
    from fertui.tui import watcher as watcher_module
    from fertui.tui.app import FertuiApp, make_app

    ws = open_workspace(root)
    refresh, refresh_cpu, parse, toast_latency = [], [], [], []
    original_refresh = FertuiApp.on_store_changed
    original_poll = watcher_module.Watcher._poll_store
    original_nan = FertuiApp._nan_seen

    def timed_refresh(self, message):
        start, cpu = time.perf_counter(), time.thread_time()
        original_refresh(self, message)
        refresh.append(time.perf_counter() - start)
        refresh_cpu.append(time.thread_time() - cpu)

    def timed_poll(self):  # the watcher thread's read of the store (the hot file, changed partitions)
        start = time.perf_counter()
        before = self._store_sig
        original_poll(self)
        if self._store_sig != before:
            parse.append(time.perf_counter() - start)

    def timed_nan(self, run_id, event):
        if event.get("time") and (run_id, "nan") not in self.toasted:
            toast_latency.append(time.time() - event["time"])
        original_nan(self, run_id, event)

    FertuiApp.on_store_changed, watcher_module.Watcher._poll_store = timed_refresh, timed_poll
    FertuiApp._nan_seen = timed_nan
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while sum(1 for r in app.runs.values() if r["status"] == "running") < LIVE:
            await pilot.pause(0.1)
        await pilot.pause(2)
        refresh.clear(), refresh_cpu.clear(), parse.clear()
        cpu0, wall0 = time.process_time(), time.monotonic()
        enqueue(ws, [run_doc(config_from_command([sys.executable, "-c", NAN_JOB], ["run.name=nan_probe"]))])
        await pilot.pause(seconds)
        cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        rows = app.screen.query_one("RunsTable").row_count
    return {
        "refresh": refresh,
        "refresh_cpu": refresh_cpu,
        "parse": parse,
        "cpu": cpu,
        "rows": rows,
        "toast": toast_latency,
    }


def in_tmux(root: Path, seconds: float) -> float | None:
    if shutil.which("tmux") is None:
        return None
    name = f"fertui-bench-{os.getpid()}"
    fertui = str(Path(sys.executable).with_name("fertui"))
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", f"exec {fertui} --workspace {root}"],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        pane = int(
            subprocess.run(["tmux", "display", "-p", "-t", name, "#{pane_pid}"], capture_output=True, text=True).stdout
        )
        proc = psutil.Process(pane)
        time.sleep(5)  # start-up and the first full snapshot are not the steady state
        t0, w0 = sum(proc.cpu_times()[:2]), time.monotonic()
        time.sleep(seconds)
        return (sum(proc.cpu_times()[:2]) - t0) / (time.monotonic() - w0)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def main() -> None:
    from fertui.scheduler.daemon import ensure_daemon

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fill(root)
        size_mb = (root / "runs" / "fertui.json").stat().st_size / 1e6
        ensure_daemon(open_workspace(root))
        try:
            result = asyncio.run(headless(root, args.seconds))
            tmux_cpu = in_tmux(root, args.seconds)
        finally:
            stop(root)
    ms = sorted(x * 1000 for x in result["refresh"])
    parse_ms = [x * 1000 for x in result["parse"]]
    p95 = ms[int(len(ms) * 0.95)] if ms else float("nan")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"store: {HISTORY + LIVE + 1} runs, {size_mb:.1f} MB; {LIVE} jobs logging every 50 ms; "
        f"{args.seconds:.0f} s measured; table rows {result['rows']}"
    )
    print("| measure | value | target |\n|---|---|---|")
    print(f"| runs-screen refresh, median (UI thread) | {statistics.median(ms):.1f} ms (n={len(ms)}) | < 50 ms |")
    print(f"| runs-screen refresh, p95 | {p95:.1f} ms | |")
    cpu_ms = [x * 1000 for x in result["refresh_cpu"]]
    print(f"| runs-screen refresh, median CPU time of the UI thread | {statistics.median(cpu_ms):.1f} ms | |")
    print(f"| store snapshot parse, median (watcher thread) | {statistics.median(parse_ms):.1f} ms | |")
    print(f"| console CPU, headless in-process | {result['cpu'] * 100:.1f} % of one core | < 15 % |")
    if tmux_cpu is not None:
        print(f"| console CPU, `fertui` in tmux 80x24 | {tmux_cpu * 100:.1f} % of one core | < 15 % |")
    if result["toast"]:
        print(f"| NaN event to toast | {result['toast'][0] * 1000:.0f} ms | < 1 s |")


if __name__ == "__main__":
    main()
