"""fertui at the size a year of sweeps reaches: a store of N finished runs (~2 KB documents).

Measured with real processes in a temporary workspace: `fertui ls`, `ls --json`, `show`, `add`
(as ratios to `python -c pass` in the same run), one store write, the daemon's idle CPU, the
time from `fertui add` to the job's first line, and the daemon's CPU while 8 jobs each print
50 metric lines/s. `--src DIR` measures another checkout of fertui (put first on PYTHONPATH) with
the same script, so two versions are compared on one machine in one sitting.

`--shape` picks how the runs are spread: `spread` (40 runs a sweep, the default), `month` (every run
outside sweeps, queued in one month: probes, benchmark rows, command jobs) or `sweep` (every run in
one sweep, a TPE study or a multi-seed grid; `board` of it is measured too). `--store-only` skips the
daemon and console figures, which do not depend on the shape.

Usage: .venv/bin/python benchmarks/store_scale.py [--runs 10000] [--shape spread] [--store-only] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 5
MARK = "import os, time; open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'first_line'), 'w').write(repr(time.time()))"
# %-formatting: no braces, so the same command queues in versions without {{ }} escapes
PRINTING = (
    "import time\nfor i in range(COUNT):\n"
    "    print('step: %d  loss: %.5f  lr: 0.001' % (i, 1 / (i + 1)), flush=True); time.sleep(0.02)"
)


SHAPES = ("spread", "month", "sweep")
BIG_SWEEP = "DepthLR_seeds"
DEPTHS = (2, 4, 6, 8)
LRS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)


def sweep_of(shape: str, i: int) -> str | None:
    return {"spread": f"sweep{i // 40}", "month": None, "sweep": BIG_SWEEP}[shape]


def big_sweep_doc() -> dict:
    """The `sweep` shape's spec: a depth x LR grid, each cell run with many seeds."""
    return {
        "name": BIG_SWEEP,
        "strategy": "grid",
        "objective": "val/acc",
        "direction": "maximize",
        "seeds": [0],
        "budget": 0,
        "roles": {},
        "source": "configs/x.toml",
        "axes": [
            {"key": "model.depth", "values": list(DEPTHS), "log": False},
            {"key": "optim.lr", "values": list(LRS), "log": True},
        ],
    }


def fill(root: Path, runs: int, shape: str = "spread") -> None:
    from fertui.atomicio import atomic_write_text
    from fertui.jsonio import dumps

    config = {
        "run": {"name": "CLSFER_depth4_lr2e-4", "seed": 0, "tags": ["SearchLR"], "priority": 0},
        "model": {"name": "clsfer_ir50", "depth": 4, "dim": 512, "num_heads": 8, "drop_path": 0.1},
        "data": {"name": "rafdb", "root": "/data/rafdb", "batch_size": 64, "num_workers": 8},
        "optim": {"name": "adamw", "lr": 2e-4, "eps": 1e-8, "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.05},
        "sched": {"name": "cosine", "warmup_epochs": 2.0},
        "train": {"epochs": 60, "on_nan": "stop"},
        "notes": "x" * 700,
    }
    summary = {
        "objective": "val/acc",
        "epochs": 60,
        "epoch": 60,
        "step": 11520,
        "progress": 1.0,
        "last": {"train/loss": 0.41, "train/lr": 1e-6, "val/acc": 84.2, "val/loss": 0.55},
        "best": {"train/loss": 0.39, "val/acc": 84.7, "val/loss": 0.51},
    }
    now = time.time()

    def params(i: int) -> dict:
        if shape != "sweep":
            return {"optim.lr": 2e-4, "model.depth": 4, "run.seed": i}
        return {
            "model.depth": DEPTHS[i % len(DEPTHS)],
            "optim.lr": LRS[(i // len(DEPTHS)) % len(LRS)],
            "run.seed": i // (len(DEPTHS) * len(LRS)),
        }

    def scored(i: int) -> dict:  # distinct values, so the board has a best cell to find
        return {**summary, "best": {**summary["best"], "val/acc": 80 + (i * 7919 % 1000) / 100}}

    docs = {
        str(i): {
            "id": f"{i:05d}",
            "name": f"CLSFER_depth4_lr2e-4_s{i}",
            "status": "done",
            "kind": "train",
            "command": [],
            "config": config,
            "params": params(i),
            "sweep": sweep_of(shape, i),
            "tags": ["SearchLR"],
            "priority": 0,
            "source": "configs/x.toml",
            "created": now - 3600,
            "started": now - 3000,
            "ended": now - 60,
            "attempts": 0,
            "exit_code": 0,
            "slot": "gpu0",
            "summary": scored(i),
        }
        for i in range(1, runs + 1)
    }
    (root / "runs").mkdir()
    sweeps = {"1": big_sweep_doc()} if shape == "sweep" else {}
    atomic_write_text(
        root / "runs" / "fertui.json", dumps({"runs": docs, "sweeps": sweeps, "meta": {"1": {"next_run": runs + 1}}})
    )


def timed(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def wait_done(store, run_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = store.get_run(run_id)
        if run and run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.02)
    raise SystemExit(f"run {run_id} did not finish in {timeout} s")


def measure(root: Path, env: dict, runs: int, shape: str = "spread", store_only: bool = False) -> dict[str, float]:
    import psutil

    from fertui.config import config_from_command
    from fertui.plan import enqueue
    from fertui.run_docs import run_doc
    from fertui.scheduler.daemon import ensure_daemon, stop_daemon
    from fertui.store import Store
    from fertui.workspace import open_workspace

    fertui = [sys.executable, "-m", "fertui.cli.main", "--workspace", str(root)]
    out: dict[str, float] = {}
    bare = [sys.executable, "-c", "pass"]

    def pairs(argv: list[str]) -> list[tuple[float, float]]:
        """(command, `python -c pass`) seconds, each pair timed back to back: load cancels out."""
        return [(timed(argv, env), timed(bare, env)) for _ in range(ROUNDS)]

    def ratio(argv: list[str]) -> float:
        return statistics.median(command / python for command, python in pairs(argv))

    out["python -c pass (s)"] = statistics.median(timed(bare, env) for _ in range(ROUNDS))
    t0 = time.perf_counter()  # the first command migrates a single-file store (as an upgrade would)
    subprocess.run(fertui + ["ls"], env=env, check=True, capture_output=True)
    out["first use: migration + ls (s)"] = time.perf_counter() - t0
    os.sync()  # the migration's writes would otherwise slow the first fsyncs measured below
    for label, args in (
        ("ls", ["ls"]),
        ("ls --json", ["ls", "--json"]),
        ("ls --json --all", ["ls", "--json", "--all"]),
        ("show", ["show", str(runs // 2)]),
        ("add exits", ["add", "--", "python", "-c", "pass"]),
    ):
        out[f"{label} (x pass)"] = ratio(fertui + args)
    if shape == "sweep":
        for label, args in (
            ("board", ["board", BIG_SWEEP]),
            ("compare", ["compare", BIG_SWEEP, "--by", "model.depth"]),
        ):
            timings = pairs(fertui + args)
            out[f"{label} (s)"] = statistics.median(command for command, _ in timings)
            out[f"{label} (x pass)"] = statistics.median(command / python for command, python in timings)
    ws = open_workspace(root)
    store = Store(ws.store_path)
    writes = []
    for i in range(ROUNDS):
        t0 = time.perf_counter()
        store.update_run("00001", note=i)  # a finished run: its partition is rewritten
        writes.append(time.perf_counter() - t0)
    out["one store write, finished run (ms)"] = 1000 * statistics.median(writes)
    moves = []
    for i in range(ROUNDS):  # a run of the shape's sweep (or month) finishing: it moves in
        [moved] = store.add_runs([{"name": f"move-probe{i}", "sweep": sweep_of(shape, runs), "status": "queued"}])
        t0 = time.perf_counter()
        store.update_run(moved, status="cancelled", ended=time.time())
        moves.append(time.perf_counter() - t0)
    out["one move into the partitions (ms)"] = 1000 * statistics.median(moves)
    [live] = store.add_runs([{"name": "write-probe", "status": "queued", "priority": -99}])
    writes = []
    for i in range(ROUNDS * 3):
        t0 = time.perf_counter()
        store.update_run(live, summary={"step": i})
        writes.append(time.perf_counter() - t0)
    out["one store write, live summary (ms)"] = 1000 * statistics.median(writes)
    if store_only:
        return out
    out.update(console_figures(root, env, live))
    store.update_run(live, status="cancelled")
    (root / "fertui.toml").write_text("[scheduler]\ncpu_slots = 8\n")
    pid = ensure_daemon(open_workspace(root))
    try:
        for run in store.runs():  # the `add exits` rounds queued runs: let them finish first
            if run["status"] in ("queued", "running"):
                wait_done(store, run["id"])
        daemon = psutil.Process(pid)
        time.sleep(3)
        c0, w0 = daemon.cpu_times(), time.monotonic()
        time.sleep(10)
        c1, w1 = daemon.cpu_times(), time.monotonic()
        out["daemon idle CPU (%)"] = 100 * ((c1.user + c1.system) - (c0.user + c0.system)) / (w1 - w0)
        lat = []
        for _ in range(ROUNDS):
            time.sleep(2.5)
            t0 = time.time()
            done = subprocess.run(
                fertui + ["add", "--", "python", "-c", MARK], env=env, capture_output=True, text=True, check=True
            )
            run_id = done.stdout.split()[0]
            wait_done(store, run_id)
            lat.append(float((ws.run_dir(run_id) / "first_line").read_text()) - t0)
        out["add -> job's first line (s)"] = statistics.median(lat)
        seconds = 15
        t_queue = time.monotonic()
        ids = enqueue(
            ws,
            [
                run_doc(config_from_command(["python", "-c", PRINTING.replace("COUNT", str(50 * (seconds + 8)))]))
                for _ in range(8)
            ],
        )
        deadline = time.monotonic() + 120
        while sum(store.get_run(i)["status"] == "running" for i in ids) < 8:
            if time.monotonic() > deadline:
                raise SystemExit("the 8 printing jobs did not all start")
            time.sleep(0.05)
        out["8 queued jobs all running after (s)"] = time.monotonic() - t_queue
        time.sleep(2)
        c0, w0 = daemon.cpu_times(), time.monotonic()
        ages = []
        for _ in range(seconds * 4):  # how old the live summaries in the store are, as ls sees them
            time.sleep(0.25)
            now = time.time()
            ages += [
                now - (r.get("summary") or {}).get("updated", now)
                for r in store.active_runs()
                if r["status"] == "running"
            ]
        c1, w1 = daemon.cpu_times(), time.monotonic()
        out["age of live summaries, median (s)"] = statistics.median(ages)
        out["age of live summaries, max (s)"] = max(ages)
        out["daemon CPU, 8 jobs x 50 printed lines/s (%)"] = (
            100 * ((c1.user + c1.system) - (c0.user + c0.system)) / (w1 - w0)
        )
        for run_id in ids:
            wait_done(store, run_id, timeout=180)
    finally:
        stop_daemon(open_workspace(root))
    return out


CONSOLE_PROBE = """
import asyncio, sys, time, psutil
t0 = time.perf_counter()
from fertui.tui.app import FertuiApp, make_app
from fertui.workspace import open_workspace
from fertui.store import Store
ws = open_workspace(sys.argv[1])
refresh = []
original = FertuiApp.on_store_changed
def timed(self, message):
    start = time.perf_counter()
    original(self, message)
    refresh.append((start, time.perf_counter() - start))
FertuiApp.on_store_changed = timed
async def main():
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(160, 48)) as pilot:
        while not refresh:
            await pilot.pause(0.01)
        first = refresh[0][0] + refresh[0][1] - t0
        times = []
        for i in range(5):
            await pilot.pause(0.5)
            n = len(refresh)
            Store(ws.store_path).update_run(sys.argv[2], summary={"step": i})
            while len(refresh) == n:
                await pilot.pause(0.01)
            times.append(refresh[-1][1])
        rows = app.screen.query_one("RunsTable").row_count
        print(first, sorted(times)[2], psutil.Process().memory_info().rss / 2**20, rows)
asyncio.run(main())
"""


def console_figures(root: Path, env: dict, live: str) -> dict[str, float]:
    """First paint, one refresh after one run changes, and RSS of the console (headless)."""
    done = subprocess.run(
        [sys.executable, "-c", CONSOLE_PROBE, str(root), live], env=env, check=True, capture_output=True, text=True
    )
    first, refresh, rss, rows = (float(x) for x in done.stdout.split()[-4:])
    return {
        "console first paint (s)": first,
        "console refresh after one change (ms)": 1000 * refresh,
        "console RSS (MB)": rss,
        "console rows shown": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--shape", choices=SHAPES, default="spread", help="how the runs are spread")
    parser.add_argument("--store-only", action="store_true", help="skip the daemon and console figures")
    parser.add_argument("--src", help="another fertui checkout to measure instead of this one")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # some sandboxes set it: users' commands load cached bytecode
    if args.src and "_FERTUI_SCALE_CHILD" not in env:  # re-run this script with that checkout first
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.src, env.get("PYTHONPATH")]))
        env["_FERTUI_SCALE_CHILD"] = "1"
        again = ["--runs", str(args.runs), "--shape", args.shape] + (["--store-only"] if args.store_only else [])
        sys.exit(subprocess.run([sys.executable, __file__, *again], env=env, check=False).returncode)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    import psutil

    import fertui

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # `python -m fertui...` puts the current directory first on sys.path: run the commands
        # from the workspace, so a fertui checkout we were started from is not the one measured
        os.chdir(root)
        fill(root, args.runs, args.shape)
        size = (root / "runs" / "fertui.json").stat().st_size / 1e6  # before the migration
        load = psutil.getloadavg()[0]
        results = measure(root, env, args.runs, args.shape, args.store_only)
        os.chdir(Path(tmp).parent)
    print(
        f"fertui from {Path(fertui.__file__).parent}; {args.runs} finished runs, shape {args.shape}, "
        f"store {size:.1f} MB"
    )
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f} at the start, {psutil.getloadavg()[0]:.1f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    for key, value in results.items():
        print(f"  {key}: {value:.3g}")


if __name__ == "__main__":
    main()
