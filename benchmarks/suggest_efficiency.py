"""How fast `fertui suggest` finds the best cell of an LR x depth grid, and what pruning saves.

A synthetic smooth response surface (accuracy in %, a log-LR parabola whose peak moves with
depth, a depth optimum, Gaussian noise), drawn afresh for each of SEEDS seeds. For each seed:

* suggestion order: run the top "explore"/"start" pick of fertui.sweeps.ranking.propose_cells
  (the ranking `fertui suggest` uses: GPSampler over log LR and integer depth, snapped to the
  grid), observe a noisy value, repeat until the true best cell (noiseless argmax) has run;
* the same with TPE over the same ordered axes, and with Optuna's GridSampler shuffled order;
* pruning: every cell run for EPOCHS epochs in GridSampler order with learning curves that
  approach the cell's accuracy, reported epoch by epoch to the pruner fertui builds for
  `pruner = "median"` / `"successive_halving"`: epochs saved, and whether the best cell survived.

Usage: .venv/bin/python benchmarks/suggest_efficiency.py [--seeds 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fertui.sweeps.axes import parse_axis  # noqa: E402
from fertui.sweeps.expand import optuna_grid_order  # noqa: E402
from fertui.sweeps.ranking import propose_cells  # noqa: E402
from fertui.sweeps.spec import (  # noqa: E402
    SweepSpec,
    cell_of,
    grid_cells,  # noqa: E402
)
from fertui.sweeps.study import make_pruner  # noqa: E402

EPOCHS = 20
NOISE = 0.3


@dataclass
class Obs:
    cell: dict
    value: float
    status: str = "done"


def make_spec(seed: int, pruner: str = "none") -> SweepSpec:
    axes = [
        parse_axis("bench", "model.depth", [2, 4, 6, 8]),
        parse_axis("bench", "optim.lr", "logspace(1e-6, 1e-2, per_decade=4)"),
    ]
    return SweepSpec(
        name="bench",
        strategy="grid",
        objective="val/acc",
        direction="maximize",
        seeds=[seed],
        budget=0,
        axes=axes,
        roles={},
        pruner=pruner,
        pruner_warmup=1,
        source="bench",
        name_template="bench",
    )


class Surface:
    """A smooth random accuracy surface over (depth, log10 LR)."""

    def __init__(self, rng: random.Random):
        self.peak_at_2 = rng.uniform(-5.0, -3.0)  # log10 of the best LR at depth 2
        self.peak_slope = rng.uniform(-0.15, 0.0)  # deeper models want smaller LRs
        self.width = rng.uniform(0.6, 1.2)  # decades of LR to lose ~4 points
        self.best_depth = rng.uniform(2, 9)
        self.depth_gain = rng.uniform(0.1, 0.4)

    def peak(self, depth: int) -> float:
        return self.peak_at_2 + self.peak_slope * (depth - 2)

    def __call__(self, depth: int, lr: float) -> float:
        d_lr = (math.log10(lr) - self.peak(depth)) / self.width
        return 85 - 4 * d_lr**2 - self.depth_gain * (depth - self.best_depth) ** 2

    def curve(self, depth: int, lr: float, epoch: int) -> float:
        """Validation accuracy after EPOCH: slower for LRs below the peak."""
        tau = 2 + 2 * max(0.0, self.peak(depth) - math.log10(lr))
        return self(depth, lr) - 25 * math.exp(-epoch / tau)


def runs_to_best(order: list[dict], best_key, spec: SweepSpec) -> int:
    return next(i for i, c in enumerate(order, 1) if cell_of(spec, c) == best_key)


def guided_order(spec: SweepSpec, surface: Surface, rng: random.Random, sampler: str, best_key) -> int:
    observations: list[Obs] = []
    taken: set = set()
    while True:
        (pick,) = propose_cells(spec, observations, taken, 1, sampler=sampler, seed=len(observations))
        cell = pick.cell
        taken.add(cell_of(spec, cell))
        observations.append(Obs(cell, surface(cell["model.depth"], cell["optim.lr"]) + rng.gauss(0, NOISE)))
        if cell_of(spec, cell) == best_key:
            return len(observations)


def pruning(spec: SweepSpec, surface: Surface, rng: random.Random, best_key) -> tuple[float, bool]:
    import optuna

    study = optuna.create_study(direction="maximize", pruner=make_pruner(spec))
    order = optuna_grid_order(spec, grid_cells(spec))
    run_epochs, best_kept = 0, False
    for cell in order:
        trial = study.ask()
        pruned = False
        for epoch in range(1, EPOCHS + 1):
            value = surface.curve(cell["model.depth"], cell["optim.lr"], epoch) + rng.gauss(0, NOISE)
            trial.report(value, epoch)
            run_epochs += 1
            if trial.should_prune():
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, value)
            best_kept |= cell_of(spec, cell) == best_key
    return 1 - run_epochs / (EPOCHS * len(order)), best_kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    started = time.time()
    rows = []
    for seed in range(args.seeds):
        rng = random.Random(seed)
        surface = Surface(rng)
        spec = make_spec(seed)
        cells = grid_cells(spec)
        n = len(cells)
        best = max(cells, key=lambda c: surface(c["model.depth"], c["optim.lr"]))
        best_key = cell_of(spec, best)
        row = {
            "seed": seed,
            "cells": n,
            "best": best,
            "gp": guided_order(spec, surface, random.Random(seed + 1000), "gp", best_key) / n,
            "tpe": guided_order(spec, surface, random.Random(seed + 1000), "tpe", best_key) / n,
            "grid_shuffled": runs_to_best(optuna_grid_order(spec, cells), best_key, spec) / n,
        }
        for pruner in ("median", "successive_halving"):
            saved, kept = pruning(make_spec(seed, pruner), surface, random.Random(seed + 2000), best_key)
            row[f"{pruner}_saved"], row[f"{pruner}_kept_best"] = saved, kept
        rows.append(row)
        print(
            f"seed {seed:2d}: gp {row['gp']:.3f}  tpe {row['tpe']:.3f}  grid {row['grid_shuffled']:.3f}  "
            f"median saved {row['median_saved']:.2f} kept {row['median_kept_best']}  "
            f"SH saved {row['successive_halving_saved']:.2f} kept {row['successive_halving_kept_best']}",
            flush=True,
        )
    summary = {
        key: statistics.fmean(r[key] for r in rows)
        for key in (
            "gp",
            "tpe",
            "grid_shuffled",
            "median_saved",
            "median_kept_best",
            "successive_halving_saved",
            "successive_halving_kept_best",
        )
    }
    summary.update(
        seeds=args.seeds,
        cells=rows[0]["cells"],
        epochs=EPOCHS,
        noise=NOISE,
        seconds=round(time.time() - started, 1),
        python=platform.python_version(),
        optuna=optuna.__version__,
        machine=platform.machine(),
        processor=platform.processor(),
    )
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
