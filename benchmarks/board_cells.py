"""What the one cell rule costs the sweep views: board, isolation and LR sensitivity times on a
finished grid sweep, optionally against another checkout of fertui.

Every observed run is now compared with its sweep's base config (to find its cell's variant),
and every value goes through the run's typed record; this measures what that adds.

Usage: .venv/bin/python benchmarks/board_cells.py [--depths 10] [--seeds 4] [--rounds 5]
       [--before OTHER_CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

if "--json-only" not in sys.argv:  # the --before child imports the other checkout (its PYTHONPATH)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SWEEP = """
    [job]
    command = ["true"]
    [sweep]
    name = "Big"
    seeds = {seeds}
    [sweep.axes]
    "model.depth" = {depths}
    "optim.lr" = "logspace(1e-6, 1e-2, per_decade=5)"
"""


def measure(depths: int, seeds: int, rounds: int) -> dict:
    from fertui.config import load_config
    from fertui.plan import enqueue, plan_runs
    from fertui.store import Store
    from fertui.sweeps.board import isolation, pivot
    from fertui.sweeps.sensitivity import sensitivity
    from fertui.workspace import open_workspace

    root = Path(tempfile.mkdtemp(prefix="fertui-board-"))
    (root / "configs").mkdir()
    config = root / "configs" / "big.toml"
    config.write_text(textwrap.dedent(SWEEP.format(seeds=list(range(seeds)), depths=list(range(1, depths + 1)))))
    ws = open_workspace(root)
    ids = enqueue(ws, plan_runs(load_config(config), ws))
    Store(ws.store_path).update_runs(
        {
            run_id: {
                "status": "done",
                "summary": {"objective": "val/acc", "best": {"val/acc": float(i % 97)}, "last": {}},
            }
            for i, run_id in enumerate(ids)
        }
    )
    times: dict[str, list[float]] = {"pivot": [], "isolation": [], "sensitivity": []}
    for _ in range(rounds):
        for name, view in (("pivot", pivot), ("isolation", isolation), ("sensitivity", sensitivity)):
            start = time.perf_counter()
            view(ws, "Big")
            times[name].append(time.perf_counter() - start)
    return {"runs": len(ids), **{name: statistics.median(values) for name, values in times.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", help="another fertui checkout to measure the same way")
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    here = measure(args.depths, args.seeds, args.rounds)
    if args.json_only:
        print(json.dumps(here))
        return
    rows = [("this checkout", here)]
    if args.before:
        env = {**os.environ, "PYTHONPATH": str(Path(args.before).resolve())}
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--json-only",
                "--depths",
                str(args.depths),
                "--seeds",
                str(args.seeds),
                "--rounds",
                str(args.rounds),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=args.before,
        )
        rows.append((args.before, json.loads(out.stdout)))
    print(
        f"{platform.node()} {platform.processor() or platform.machine()}, load {os.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, median of {args.rounds}"
    )
    for label, r in rows:
        print(
            f"{label}: {r['runs']} runs: pivot {r['pivot'] * 1e3:.0f} ms, isolation {r['isolation'] * 1e3:.0f} ms, "
            f"sensitivity {r['sensitivity'] * 1e3:.0f} ms"
        )


if __name__ == "__main__":
    main()
