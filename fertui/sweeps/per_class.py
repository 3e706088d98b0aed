"""Per-class results: a run's confusion matrix at its best epoch, and A-vs-B class differences.

The trainer writes ``artifacts/confusion_epochNNN.json`` after every validation (rows: true
class, columns: predicted class, classes in the data set's order, e.g. RAF-DB 1..7 = Surprise …
Neutral). The best epoch is the first with the highest ``val/acc``, the rule the trainer uses for
``best.pt``.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from fertui.errors import UserError

CONFUSION_FILE = re.compile(r"confusion_epoch(\d+)\.json$")


@dataclass
class RunClasses:
    run_id: str
    epoch: int
    classes: list[str]
    matrix: list[list[int]]  # [true][predicted]

    @property
    def support(self) -> list[int]:
        return [sum(row) for row in self.matrix]

    @property
    def accuracy(self) -> list[float | None]:
        """Per-class accuracy (recall) in %; None for a class absent from validation."""
        return [
            100.0 * row[i] / total if total else None for i, (row, total) in enumerate(zip(self.matrix, self.support))
        ]

    @property
    def overall(self) -> float:
        seen = sum(self.support)
        return 100.0 * sum(self.matrix[i][i] for i in range(len(self.matrix))) / seen if seen else 0.0

    @property
    def mean_class(self) -> float:
        present = [a for a in self.accuracy if a is not None]
        return statistics.fmean(present) if present else 0.0

    def row_percent(self) -> list[list[float]]:
        """Each true class's row as % of its images (comparable across runs)."""
        return [[100.0 * v / total if total else 0.0 for v in row] for row, total in zip(self.matrix, self.support)]


def confusion_files(run_dir: Path) -> list[tuple[int, Path]]:
    folder = run_dir / "artifacts"
    found = (
        [(int(m.group(1)), p) for p in folder.glob("confusion_epoch*.json") if (m := CONFUSION_FILE.search(p.name))]
        if folder.is_dir()
        else []
    )
    return sorted(found)


def best_epoch_classes(run_dir: Path, run_id: str = "") -> RunClasses | None:
    """The confusion matrix of the run's best epoch; None when it wrote none."""
    best, best_acc = None, -math.inf
    for epoch, path in confusion_files(run_dir):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a file being replaced: the previous epochs still answer
        acc = doc.get("val/acc")
        if isinstance(acc, (int, float)) and acc > best_acc:
            best, best_acc = (epoch, doc), acc
    if best is None:
        return None
    epoch, doc = best
    return RunClasses(
        run_id=run_id or run_dir.name,
        epoch=epoch,
        classes=list(doc["classes"]),
        matrix=[list(map(int, row)) for row in doc["matrix"]],
    )


def require_classes(run_dir: Path, run_id: str) -> RunClasses:
    found = best_epoch_classes(run_dir, run_id)
    if found is None:
        raise UserError(
            f"run {run_id} has no confusion matrix ({run_dir / 'artifacts'}/confusion_epoch*.json); "
            "the built-in trainer writes one per validation"
        )
    return found


@dataclass
class ClassDifference:
    name: str
    a_mean: float | None
    b_mean: float | None
    diff: float | None  # b - a, points
    se: float | None  # from the seeds of both cells; None without replicates on both sides
    half_width: float | None = None  # of the 95 % t interval over seeds
    paired: bool = False  # both sides ran the same seeds: the se is of seed-paired differences


@dataclass
class ClassComparison:
    a: str
    b: str
    classes: list[str]
    rows: list[ClassDifference]
    confusion_diff: list[list[float]]  # mean row-% confusion of B minus that of A
    a_runs: int
    b_runs: int


def compare_classes(
    a_label: str, a_runs: list[RunClasses], b_label: str, b_runs: list[RunClasses], seeds: dict[str, int] | None = None
) -> ClassComparison:
    """Per-class accuracy of B minus A, each averaged over its runs (the seeds of one cell).
    With SEEDS (run id -> seed) and the same seeds on both sides, the interval is over the
    seed-paired differences (what a shared data order and init move alike cancels)."""
    if not a_runs or not b_runs:
        missing = a_label if not a_runs else b_label
        raise UserError(f"no confusion matrix for {missing}: per-class results need runs of the built-in trainer")
    classes = a_runs[0].classes
    for r in a_runs + b_runs:
        if r.classes != classes:
            raise UserError(f"run {r.run_id} has classes {r.classes}, not {classes}: not the same data set")
    from scipy import stats

    seeds = seeds or {}
    seeds_a = {seeds.get(r.run_id): r for r in a_runs}
    seeds_b = {seeds.get(r.run_id): r for r in b_runs}
    paired = (
        None not in seeds_a
        and len(seeds_a) == len(a_runs) == len(b_runs) == len(seeds_b) >= 2
        and set(seeds_a) == set(seeds_b)
    )
    rows = []
    for i, name in enumerate(classes):
        a = [r.accuracy[i] for r in a_runs if r.accuracy[i] is not None]
        b = [r.accuracy[i] for r in b_runs if r.accuracy[i] is not None]
        am, bm = (statistics.fmean(a) if a else None), (statistics.fmean(b) if b else None)
        row = ClassDifference(name, am, bm, None if am is None or bm is None else bm - am, None)
        pairs = [(seeds_a[s].accuracy[i], seeds_b[s].accuracy[i]) for s in sorted(seeds_a)] if paired else []
        if pairs and all(x is not None and y is not None for x, y in pairs):
            diffs = [y - x for x, y in pairs]
            row.se, row.paired = statistics.stdev(diffs) / math.sqrt(len(diffs)), True
            row.half_width = stats.t.ppf(0.975, len(diffs) - 1) * row.se
        elif len(a) >= 2 and len(b) >= 2:
            row.se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
            row.half_width = stats.t.ppf(0.975, min(len(a), len(b)) - 1) * row.se  # conservative df
        rows.append(row)
    k = len(classes)
    mean_a = _mean_matrix([r.row_percent() for r in a_runs], k)
    mean_b = _mean_matrix([r.row_percent() for r in b_runs], k)
    diff = [[mean_b[i][j] - mean_a[i][j] for j in range(k)] for i in range(k)]
    return ClassComparison(
        a=a_label, b=b_label, classes=classes, rows=rows, confusion_diff=diff, a_runs=len(a_runs), b_runs=len(b_runs)
    )


def _mean_matrix(matrices: list[list[list[float]]], k: int) -> list[list[float]]:
    return [[statistics.fmean(m[i][j] for m in matrices) for j in range(k)] for i in range(k)]


def comparison_classes(ws, cmp) -> list[ClassComparison]:
    """For each pair of a Comparison, the per-class differences of the deciding cells (the best
    across-value of each setting), averaged over their seeds."""
    from fertui.config import compact
    from fertui.sweeps.results import lookup, sweep_runs

    deciding = cmp.deciding_cells()
    seeds = {r["id"]: int(lookup(r, "run.seed") or 0) for r in sweep_runs(ws, cmp.sweep)}

    def runs_of(value) -> list[RunClasses]:
        stats = deciding.get(value)
        found = [best_epoch_classes(ws.run_dir(rid), rid) for rid in (stats.run_ids if stats else [])]
        return [f for f in found if f is not None]

    return [compare_classes(compact(p.a), runs_of(p.a), compact(p.b), runs_of(p.b), seeds) for p in cmp.pairs]
