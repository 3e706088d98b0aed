"""Start-up cost of `fertui --help` and `fertui ls` (2,000 runs) against a bare interpreter.

The commands and `python -c pass` are timed alternately in one run, so machine noise hits
both alike; the figure that matters is the ratio. Usage: .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fertui.config import config_from_command
from fertui.run_docs import run_doc
from fertui.store import Store

ROUNDS = 15


def fill_store(root: Path, n: int) -> None:
    docs = []
    for i in range(n):
        doc = run_doc(config_from_command(["true"], [f"run.name=CLSFERBaseline_depth{2 + i % 4 * 2}_{i}"]))
        doc["summary"] = {"step": 1000, "epoch": 10, "best": {"val/acc": 80.0 + i % 7}, "last": {"train/loss": 0.4}}
        docs.append(doc)
    Store(root / "runs" / "fertui.json").add_runs(docs)


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    fertui = str(Path(sys.executable).with_name("fertui"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fill_store(root, 2000)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "fertui --help": [fertui, "--help"],
            "fertui ls (2,000 runs)": [fertui, "--workspace", tmp, "ls"],
            "fertui ls --json (2,000 runs)": [fertui, "--workspace", tmp, "ls", "--json"],
        }
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for argv in cases.values():
            timed(argv)  # warm the page cache
        for _ in range(ROUNDS):
            for label, argv in cases.items():
                samples[label].append(timed(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print("| command | median (ms) | ratio to `python -c pass` |\n|---|---|---|")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"| {label} | {med * 1000:.0f} | {med / base:.1f}x |")


if __name__ == "__main__":
    main()
