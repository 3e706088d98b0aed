"""The test set's own sampling noise, from the per-image predictions the trainer stores
(fertui/train/predictions.py): every run is scored on the same images, so that noise is shared
by all of a comparison's runs and no spread between seeds or LRs can show it.

- **Paired bootstrap over test images**: resample the images (the same draw for every run),
  rescore every run, recompute the comparison's estimate; the spread of the draws is the
  test-set part of its uncertainty.
- **McNemar** (exact, two-sided) for two single runs: only the images one got right and the
  other wrong carry information.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

FOLDER = "predictions"
DRAWS = 1000
DRAW_SEED = 3068


@dataclass(frozen=True)
class Predictions:
    predicted: bytes
    targets: bytes
    epoch: int

    def correct(self) -> list[int]:
        return [int(p == t) for p, t in zip(self.predicted, self.targets)]


def load_predictions(run_dir: Path, which: str = "best") -> Predictions | None:
    """The run's stored predictions at its WHICH ("best" | "last") validation; None without them."""
    folder = Path(run_dir) / FOLDER
    try:
        index = json.loads((folder / "index.json").read_text())
        predicted = (folder / f"{which}.u8").read_bytes()
        targets = (folder / "targets.u8").read_bytes()
    except (OSError, ValueError):
        return None
    entry = index.get(which)
    if not isinstance(entry, dict) or len(predicted) != len(targets) or len(targets) != index.get("images"):
        return None
    return Predictions(predicted, targets, int(entry.get("epoch", 0)))


@dataclass(frozen=True)
class McNemar:
    a_only: int  # images A got right and B wrong
    b_only: int
    p: float


def mcnemar(correct_a: list[int], correct_b: list[int]) -> McNemar:
    a_only = sum(1 for x, y in zip(correct_a, correct_b) if x and not y)
    b_only = sum(1 for x, y in zip(correct_a, correct_b) if y and not x)
    n = a_only + b_only
    if n == 0:
        return McNemar(0, 0, 1.0)
    tail = sum(math.comb(n, i) for i in range(min(a_only, b_only) + 1)) / 2**n
    return McNemar(a_only, b_only, min(1.0, 2 * tail))


def bootstrap_sd(
    per_value: list[tuple[list[list[int]], list[list[int]]]], weights: list[float], draws: int = DRAWS
) -> float:
    """SD over test-image resamples of the weighted mean of per-value differences, each the mean
    accuracy (points) of B's runs minus A's. PER_VALUE: per across-value (A's runs' correctness
    vectors, B's); every vector is over the same images in the same order."""
    import numpy as np

    rng = np.random.default_rng(DRAW_SEED)
    n_images = len(per_value[0][0][0])
    w = np.asarray(weights, dtype=float) / sum(weights)
    a = [np.asarray(runs_a, dtype=np.float64) for runs_a, _ in per_value]  # (runs, images)
    b = [np.asarray(runs_b, dtype=np.float64) for _, runs_b in per_value]
    counts = rng.multinomial(n_images, np.full(n_images, 1 / n_images), size=draws).T  # (images, draws)
    diffs = np.stack([100 * ((bb @ counts).mean(0) - (aa @ counts).mean(0)) / n_images for aa, bb in zip(a, b)])
    return float((w @ diffs).std(ddof=1))
