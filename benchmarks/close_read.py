"""What closing a run costs when its output is far ahead of the reads: the time the daemon's
tick spends in ``RunIngest.read_to_end`` and how much its peak memory grows, for a job that
printed N lines of ~100 bytes (captured by the default output scalars), or wrote N events of its
own, all after the last tick.

Usage: .venv/bin/python benchmarks/close_read.py [--lines 100000] [--source stdout|events]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import tempfile
import time
from pathlib import Path


def fill(run_dir: Path, lines: int, source: str) -> int:
    """A run folder as a job leaves it: LINES printed lines, or LINES events of its own."""
    pad = "x" * 70
    if source == "stdout":
        with open(run_dir / "stdout.log", "w") as fh:
            fh.writelines(f"step: {i}  loss: {1 / (i + 1):.6f}  note: {pad}\n" for i in range(lines))
            fh.write("val_acc: 0.91\n")
    else:
        with open(run_dir / "events.jsonl", "w") as fh:
            fh.writelines(
                json.dumps({"type": "log", "step": i, "metrics": {"train/loss": 1 / (i + 1)}, "note": pad}) + "\n"
                for i in range(lines)
            )
            fh.write(json.dumps({"type": "log", "step": lines, "metrics": {"val/acc": 0.91}}) + "\n")
    return sum(f.stat().st_size for f in run_dir.iterdir())


def close(lines: int, source: str) -> str:
    from fertui.scheduler.ingest import RunIngest

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        size = fill(run_dir, lines, source)
        ingest = RunIngest({"id": "00001", "kind": "command", "config": {"job": {}}}, run_dir)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        reads = sum(1 for _ in ingest.read_to_end())
        took = time.perf_counter() - t0
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    return (
        f"  {source}: {size / 1e6:.1f} MB ({lines} {'lines' if source == 'stdout' else 'events'}): "
        f"read_to_end {took:.2f} s in {reads} reads, peak RSS +{grew / 1024:.0f} MB, "
        f"last val/acc {ingest.summary['last'].get('val/acc')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--source", choices=("stdout", "events"), default="stdout")
    args = parser.parse_args()
    import psutil

    result = close(args.lines, args.source)  # one scenario per process: the peak RSS is its own
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {psutil.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(result)


if __name__ == "__main__":
    main()
