"""Start-up of `fertui add` (a training config: the model-name and data checks run) and the
time of `fertui models`, each against a bare interpreter.

Commands and `python -c pass` are timed alternately, so machine noise hits both alike; the
figure that matters is the ratio. `fertui models` is timed warm (its GMAC cache filled by a
first call). To measure another checkout, put it first on PYTHONPATH: the `fertui` script
next to this interpreter imports whatever `fertui` that path finds.

Usage: .venv/bin/python benchmarks/add_and_models.py [--rounds N] [--no-models]
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

CONFIG = '[run]\nname = "probe"\n[model]\nname = "clsfer_tiny"\n[train]\nepochs = 1\n'


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-models", action="store_true", help="leave out `fertui models`")
    args = parser.parse_args()
    fertui = str(Path(sys.executable).with_name("fertui"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        config = Path(tmp) / "probe.toml"
        config.write_text(CONFIG)
        cases = {"python -c pass": [sys.executable, "-c", "pass"],
                 "fertui add probe.toml": [fertui, "--workspace", tmp, "add", str(config)]}
        if not args.no_models:
            cases["fertui models (warm)"] = [fertui, "--workspace", tmp, "models"]
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for argv in cases.values():
            timed(argv, env)  # warm the page cache and fertui's own caches
        for _ in range(args.rounds):
            for label, argv in cases.items():
                samples[label].append(timed(argv, env))
    base = statistics.median(samples["python -c pass"])
    load = os.getloadavg()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, load average {load:.1f}, {args.rounds} rounds")
    print("| command | median (ms) | ratio to `python -c pass` |\n|---|---|---|")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"| {label} | {med * 1000:.0f} | {med / base:.1f}x |")


if __name__ == "__main__":
    main()
