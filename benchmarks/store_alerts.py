"""The hot file's alerts table at the size a year reaches: one live-summary write (8 running
runs, as the scheduler writes twice a second) and one `add_alert`, with N alerts raised before.

Usage: .venv/bin/python benchmarks/store_alerts.py [--alerts 0 2000 10000] [--writes 20]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fertui.store import Store


def measure(alerts: int, writes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "runs" / "fertui.json")
        ids = store.add_runs([{"name": f"r{i}"} for i in range(8)])
        with store.transaction() as db:  # as a store that grew before the archive existed
            db.table("alerts").insert_multiple(
                [
                    {
                        "run": f"{i:05d}",
                        "kind": "nan",
                        "message": f"CLSFER_depth4_lr2e-4_s{i}: train/loss is not finite at step 1234",
                        "time": time.time(),
                        "acked": i % 2 == 0,
                        "sweep": f"sweep{i // 40}",
                    }
                    for i in range(alerts)
                ]
            )
        live, alert = [], []
        for k in range(writes):
            t = time.perf_counter()
            store.update_runs({i: {"summary": {"last": {"loss": k}}} for i in ids})
            live.append(time.perf_counter() - t)
        for _ in range(10 * writes):  # past several archive batches
            t = time.perf_counter()
            store.add_alert(ids[0], "nan", "x")
            alert.append(time.perf_counter() - t)
        return {
            "live_ms": 1000 * statistics.median(live),
            "alert_ms": 1000 * statistics.mean(alert),
            "hot_kb": store.path.stat().st_size / 1000,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, nargs="+", default=[0, 2000, 10000])
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print("| alerts raised before | live-summary write (median) | add_alert (mean) | hot file |")
    print("|---|---|---|---|")
    for n in args.alerts:
        r = measure(n, args.writes)
        print(f"| {n:,} | {r['live_ms']:.1f} ms | {r['alert_ms']:.1f} ms | {r['hot_kb']:.0f} KB |")


if __name__ == "__main__":
    main()
