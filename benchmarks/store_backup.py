"""Cost of keeping runs/fertui.json.bak: one store write with and without the backup link,
alternating, on a store of realistic size (2,000 runs of ~2 KB by default).

Usage: .venv/bin/python benchmarks/store_backup.py [--runs N] [--writes N]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import fertui.store as store_module
from fertui.atomicio import atomic_write_text
from fertui.jsonio import dumps
from fertui.store import Store


def fill(path: Path, runs: int) -> None:
    config = {"model": {"name": "clsfer_ir50", "depth": 8}, "optim": {"lr": 2e-4, "eps": 1e-8}, "notes": "x" * 1500}
    docs = {
        str(i): {
            "id": f"{i:05d}",
            "name": f"run{i}",
            "status": "done",
            "config": config,
            "summary": {"best": {"val/acc": 80.0 + i % 7}},
        }
        for i in range(1, runs + 1)
    }
    atomic_write_text(path, dumps({"runs": docs, "meta": {"1": {"next_run": runs + 1}}}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fertui.json"
        fill(path, args.runs)
        store = Store(path)
        keep = store_module.keep_backup
        times: dict[str, list[float]] = {"with backup": [], "without": []}
        for i in range(args.writes):
            for label in times:
                store_module.keep_backup = keep if label == "with backup" else (lambda _path: None)
                t0 = time.perf_counter()
                store.update_run("00001", note=i)
                times[label].append(time.perf_counter() - t0)
        store_module.keep_backup = keep
        size = path.stat().st_size / 1e6
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; store {args.runs} runs, {size:.1f} MB"
    )
    for label, values in times.items():
        print(
            f"one store write {label}: median {statistics.median(values) * 1000:.1f} ms "
            f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f}, n={len(values)})"
        )


if __name__ == "__main__":
    main()
