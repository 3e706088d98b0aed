"""A comparison's pair with the test set's sampling noise added (testset.py), when every run it
rests on stored its per-image predictions.

The mixed model's interval carries seed and LR variation; the part of test-set noise shared by
all runs (the same images) is not in it. Its bootstrap SD is added in quadrature — conservative,
since the LR-to-LR spread already holds the part of it that varies between LRs — and the interval
keeps the model's t quantile. Best-vs-best with one seed on each side also gets McNemar's test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fertui.store import Store
from fertui.sweeps.mixed import t_quantile
from fertui.sweeps.testset import McNemar, bootstrap_sd, load_predictions, mcnemar
from fertui.workspace import Workspace

# Rescoring the stored predictions gives overall accuracy in points: its noise is added to a
# comparison of that metric only (not mean-class accuracy, not loss).
ACCURACY = "val/acc"


@dataclass(frozen=True)
class TestSetNoise:
    images: int
    sd: float  # of the estimate, from resampling test images
    low: float
    high: float  # the model's interval widened by it
    epoch_note: str  # which epoch's predictions, and how that epoch was chosen
    best_mcnemar: McNemar | None = None  # best vs best, one run on each side

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


class _Statuses(dict):
    """Run id -> status, read from the store one run at a time (never the whole store)."""

    def __init__(self, ws: Workspace):
        super().__init__()
        self.store = Store(ws.store_path)

    def __missing__(self, run_id: str) -> str:
        run = self.store.get_run(run_id)
        self[run_id] = run.get("status", "") if run else ""
        return self[run_id]


def _correctness(ws: Workspace, runs: _Statuses, cell, which: str) -> list[list[int]] | None:
    done = [rid for rid in cell.run_ids if runs[rid] == "done"]
    found = [load_predictions(ws.run_dir(rid), which) for rid in done]
    if len(found) != cell.n or any(p is None for p in found):
        return None
    return [p.correct() for p in found]


def test_set_noise(ws: Workspace, cmp, pair) -> TestSetNoise | None:
    """The test-set part for PAIR of CMP; None unless every paired run has its predictions."""
    fit, which = pair.fit, cmp.epoch.predictions
    if fit is None or fit.low is None or fit.se is None or which is None or cmp.metric != ACCURACY:
        return None
    runs = _Statuses(ws)
    per_value = []
    for row in cmp.rows:
        sa, sb = row.stats.get(pair.a), row.stats.get(pair.b)
        if sa is None or sb is None or sa.mean is None or sb.mean is None:
            continue
        a, b = _correctness(ws, runs, sa, which), _correctness(ws, runs, sb, which)
        if a is None or b is None:
            return None
        per_value.append((a, b))
    sizes = {len(v) for a, b in per_value for v in (*a, *b)}
    if len(per_value) != fit.data.n or len(sizes) != 1:
        return None
    tau2, sigma2 = fit.lr_var or 0.0, fit.seed_var or 0.0
    weights = [1 / (tau2 + sigma2 * c) for c in fit.data.c] if fit.reml else [1.0] * fit.data.n
    sd = bootstrap_sd(per_value, weights)
    half = t_quantile(fit.df, fit.level) * math.sqrt(fit.se**2 + sd**2)
    best = None
    deciding = cmp.deciding_cells()
    if pair.a in deciding and pair.b in deciding and deciding[pair.a].n == 1 and deciding[pair.b].n == 1:
        ca, cb = _correctness(ws, runs, deciding[pair.a], which), _correctness(ws, runs, deciding[pair.b], which)
        if ca and cb:
            best = mcnemar(ca[0], cb[0])
    note = (
        "each run's best epoch, chosen on this same set, so each accuracy is optimistic"
        if which == "best"
        else "each run's last epoch"
    )
    return TestSetNoise(sizes.pop(), sd, fit.estimate - half, fit.estimate + half, note, best)
