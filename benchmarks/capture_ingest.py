"""Output scalars: manager-side CPU and line-to-screen latency, with a real daemon and real jobs.

1. CPU of the daemon process while 8 jobs each print 50 metric lines/s that the default set
   captures ("step: 12 loss: 0.41 lr: 0.001"), measured alternately with the same 8 jobs
   reporting the same values through fertui.report (the ingest cost the README already quotes),
   so the ratio of the two comes from one run on one machine.
2. Latency from a job printing a line to (a) the captured event in runs/<id>/captured.jsonl,
   which the console's watcher tails, and (b) the value in the store, which `fertui ls` and
   `fertui ls --json` print. A job prints a new loss every 0.3-0.7 s; the poller here reads both
   every 10 ms. The store is written on every busy scheduler tick (0.5 s) with the latest values, so a value
   counts as seen there once it or a later one is.

`--runs N` first fills each temporary workspace with N finished runs (as store_scale.py does),
so the figures are those of a store a year of sweeps reaches, not of an empty one.

Usage: .venv/bin/python benchmarks/capture_ingest.py [--seconds S] [--jobs N] [--samples N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

from fertui.config import config_from_command
from fertui.events import read_all
from fertui.plan import enqueue
from fertui.run_docs import run_doc
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

sys.path.insert(0, str(Path(__file__).parent))
from store_scale import fill  # noqa: E402  (a sibling script, not a package)

PRINTING = (
    "import time\nfor i in range(COUNT):\n"
    "    print(f'step: {{i}}  loss: {{1 / (i + 1):.5f}}  lr: 0.001', flush=True); time.sleep(0.02)"
)
# The formats of published FER code (fertui.capture.presets), read under output_scalars = "auto":
# 49 ProgressMeter lines and a closing "****" line per epoch (POSTER++, MA-Net), or DAN's
# alternating training / validation lines; auto reads them side by side until it has chosen.
POSTER_V2_PRINTING = (
    "import time\nfor i in range(COUNT):\n    e, b = divmod(i, 50)\n"
    "    print(f'Epoch: [{{e}}][{{b}}/50]\\tLoss {{1 / (i + 1):.4f}} ({{1 / (i + 1):.4f}})\\t"
    "Accuracy {{50 + b / 2:6.3f}} ({{50 + b / 4:6.3f}})' if b < 49 else "
    "f' **** Accuracy {{60 + e:.3f}} *** ', flush=True); time.sleep(0.02)"
)
DAN_PRINTING = (
    "import time\nfor i in range(COUNT):\n    e = i // 2 + 1\n"
    "    print(f'[Epoch {{e}}] Training accuracy: 0.5000. Loss: {{1 / e:.3f}}. LR 0.000100' if i % 2 == 0 "
    "else f'[Epoch {{e}}] Validation accuracy:0.6000. bacc:0.5500. Loss:{{2 / e:.3f}}', flush=True); "
    "time.sleep(0.02)"
)
# Lines with no metric in them (a data loader's chatter): nothing ever decides auto, so every line
# is read by all six settings for the whole run, auto's worst case.
CHATTER_PRINTING = (
    "import time\nfor i in range(COUNT):\n"
    "    print(f'Loading batch {{i}} of images from /data/rafdb/basic/Image/aligned ...', flush=True); "
    "time.sleep(0.02)"
)
MODES = {
    "default": "printed lines (default set)",
    "poster-v2": "printed POSTER++ lines (auto)",
    "dan": "printed DAN lines (auto)",
    "chatter": "printed lines without metrics (auto, never decided)",
    "report": "fertui.report events",
}
REPORTING = (
    "import fertui.report as r, time\nfor i in range(COUNT):\n"
    "    r.log({'loss': 1 / (i + 1), 'lr': 0.001}, step=i); time.sleep(0.02)"
)
TIMED = (
    "import json, os, random, time\nlog = open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'printed.jsonl'), 'a')\n"
    "for i in range(1, COUNT + 1):\n    time.sleep(random.uniform(0.3, 0.7))\n"
    "    value = 1000 + i\n    log.write(json.dumps([value, time.time()]) + '\\n'); log.flush()\n"
    "    print(f'loss: {{value}}', flush=True)\n"
)


def wait_status(store: Store, ids: list[str], states: tuple[str, ...], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(store.get_run(i)["status"] not in states for i in ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"runs {ids} did not reach {states} in {timeout:.0f} s")
        time.sleep(0.1)


def daemon_cpu(root: Path, code: str, jobs: int, seconds: float) -> dict:
    ws = open_workspace(root)
    pid = ensure_daemon(ws)
    steps = int((seconds + 8) * 50)
    ids = enqueue(
        ws, [run_doc(config_from_command(["python", "-c", code.replace("COUNT", str(steps))])) for _ in range(jobs)]
    )
    store = Store(ws.store_path)
    wait_status(store, ids, ("running",), 60)
    time.sleep(3)  # past start-up: the steady state
    daemon = psutil.Process(pid)
    c0, w0 = daemon.cpu_times(), time.monotonic()
    time.sleep(seconds)
    c1, w1 = daemon.cpu_times(), time.monotonic()
    wait_status(store, ids, ("done",), seconds + 120)
    captured = sum(1 for i in ids for e in read_all(ws.run_dir(i) / "captured.jsonl") if e.get("type") == "log")
    reported = sum(len(read_all(ws.run_dir(i) / "events.jsonl")) for i in ids)
    busy = (c1.user + c1.system) - (c0.user + c0.system)
    return {"cpu_percent": 100 * busy / (w1 - w0), "captured": captured, "reported": reported, "expected": jobs * steps}


def latency(root: Path, samples: int) -> dict[str, list[float]]:
    ws = open_workspace(root)
    ensure_daemon(ws)
    (run_id,) = enqueue(ws, [run_doc(config_from_command(["python", "-c", TIMED.replace("COUNT", str(samples))]))])
    store, run_dir = Store(ws.store_path), ws.run_dir(run_id)
    seen_captured: dict[float, float] = {}
    store_seen: list[tuple[float, float]] = []  # (time, value): the store keeps only the latest value
    ended_at = None
    while True:
        now = time.time()
        for event in read_all(run_dir / "captured.jsonl"):
            value = event.get("metrics", {}).get("loss")
            if value is not None:
                seen_captured.setdefault(value, now)
        run = store.get_run(run_id)
        value = ((run.get("summary") or {}).get("last") or {}).get("loss")
        if value is not None and (not store_seen or store_seen[-1][1] != value):
            store_seen.append((now, value))
        if run["status"] not in ("queued", "running"):
            ended_at = ended_at or now
            if (store_seen and store_seen[-1][1] >= 1000 + samples) or now - ended_at > 3:
                break
        time.sleep(0.01)
    printed = dict(json.loads(line) for line in (run_dir / "printed.jsonl").read_text().splitlines())
    # a value counts as seen in the store once it or a later one is there (a write may skip values)
    in_store = {v: next((at for at, seen in store_seen if seen >= v), None) for v in printed}
    return {
        "captured": [seen_captured[v] - t for v, t in printed.items() if v in seen_captured],
        "store": [in_store[v] - t for v, t in printed.items() if in_store[v] is not None],
    }


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[int(0.9 * (len(ms) - 1))]
    return f"median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--runs", type=int, default=0, help="finished runs in the store first")
    parser.add_argument("--modes", default="default,report", help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--no-latency", action="store_true", help="only the CPU figures")
    args = parser.parse_args()
    codes = {
        "default": PRINTING,
        "poster-v2": POSTER_V2_PRINTING,
        "dan": DAN_PRINTING,
        "chatter": CHATTER_PRINTING,
        "report": REPORTING,
    }
    modes = [(MODES[m], codes[m]) for m in args.modes.split(",")]

    def prepare(root: Path) -> None:
        if args.runs:
            fill(root, args.runs)
            Store(root / "runs" / "fertui.json").snapshot()  # the one-time migration, not measured

    cpu: dict[str, list[dict]] = {label: [] for label, _ in modes}
    for _ in range(args.repeats):  # alternate, so load changes hit both alike
        for label, code in modes:
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "fertui.toml").write_text(f"[scheduler]\ncpu_slots = {args.jobs}\n")
                prepare(Path(tmp))
                try:
                    cpu[label].append(daemon_cpu(Path(tmp), code, args.jobs, args.seconds))
                finally:
                    stop_daemon(open_workspace(Path(tmp)))
            print(f"{label}: {cpu[label][-1]}", file=sys.stderr)
    lat = None
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp))
        try:
            lat = None if args.no_latency else latency(Path(tmp), args.samples)
        finally:
            stop_daemon(open_workspace(Path(tmp)))
    print(
        f"machine: {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.runs} finished runs in the store, load average {psutil.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    for label, rows in cpu.items():
        print(
            f"daemon CPU, {args.jobs} jobs x 50 lines/s, {label}: "
            + ", ".join(f"{r['cpu_percent']:.1f} %" for r in rows)
            + f" of one core; events kept {rows[-1]['captured'] + rows[-1]['reported']} of {rows[-1]['expected']}"
        )
    if lat is not None:
        print(f"printed line -> captured.jsonl (console): {summary(lat['captured'])}")
        print(f"printed line -> store (fertui ls): {summary(lat['store'])}")


if __name__ == "__main__":
    main()
