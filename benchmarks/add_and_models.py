"""Start-up of `fertui add` (a training config: the model-name and data checks run) and the
time of `fertui models`, each against a bare interpreter.

Commands and `python -c pass` are timed alternately, so machine noise hits both alike; the
figure that matters is the ratio. `fertui models` is timed warm (its GMAC cache filled by a
first call). To measure another checkout, put it first on PYTHONPATH: the `fertui` script
next to this interpreter imports whatever `fertui` that path finds.

`--before TREE` adds `fertui add` from another checkout (e.g. one without the queue-time
checks), timed in the same alternation, so before and after share the machine's noise.

Usage: .venv/bin/python benchmarks/add_and_models.py [--rounds N] [--no-models] [--before TREE]
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


def timed(argv: list[str], env: dict[str, str], tree: str | None = None) -> float:
    if tree:
        env = {**env, "PYTHONPATH": tree}
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-models", action="store_true", help="leave out `fertui models`")
    parser.add_argument("--before", help="a checkout whose `fertui add` is timed alongside")
    args = parser.parse_args()
    fertui = str(Path(sys.executable).with_name("fertui"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        config = Path(tmp) / "probe.toml"
        config.write_text(CONFIG)
        add = [fertui, "--workspace", tmp, "add", str(config)]
        cases = {"python -c pass": ([sys.executable, "-c", "pass"], None), "fertui add probe.toml": (add, None)}
        if args.before:
            cases[f"fertui add probe.toml ({args.before})"] = (add, args.before)
        if not args.no_models:
            cases["fertui models (warm)"] = ([fertui, "--workspace", tmp, "models"], None)
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for argv, tree in cases.values():
            timed(argv, env, tree)  # warm the page cache and fertui's own caches
        for _ in range(args.rounds):
            for label, (argv, tree) in cases.items():
                samples[label].append(timed(argv, env, tree))
    base = statistics.median(samples["python -c pass"])
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, load average {load:.1f}, {args.rounds} rounds"
    )
    print("| command | median (ms) | ratio to `python -c pass` |\n|---|---|---|")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"| {label} | {med * 1000:.0f} | {med / base:.1f}x |")


if __name__ == "__main__":
    main()
