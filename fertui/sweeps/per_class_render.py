"""Per-class results as text lines, JSON and figures (fertui.figures; matplotlib imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fertui.figures import DIVERGING_CMAP, new_figure, save_figure, styled
from fertui.sweeps.per_class import ClassComparison, RunClasses

MINUS = "\u2212"


def run_class_lines(rc: RunClasses) -> list[str]:
    width = max(8, *(len(c) for c in rc.classes))
    lines = [
        f"run {rc.run_id}, best epoch {rc.epoch}: accuracy {rc.overall:.2f}, mean class {rc.mean_class:.2f}",
        f"{'class':{width}}  images  accuracy",
    ]
    for name, support, acc in zip(rc.classes, rc.support, rc.accuracy):
        lines.append(f"{name:{width}}  {support:6d}  {'—' if acc is None else f'{acc:8.2f}'}")
    short = [c[:5] for c in rc.classes]
    lines += [
        "",
        "confusion matrix (rows: true class, columns: predicted class)",
        f"{'':{width}}  " + " ".join(f"{s:>5}" for s in short),
    ]
    for name, row in zip(rc.classes, rc.matrix):
        lines.append(f"{name:{width}}  " + " ".join(f"{v:5d}" for v in row))
    return lines


def run_class_json(rc: RunClasses) -> dict[str, Any]:
    return {
        "run": rc.run_id,
        "epoch": rc.epoch,
        "classes": rc.classes,
        "matrix": rc.matrix,
        "support": rc.support,
        "accuracy": rc.accuracy,
        "val/acc": rc.overall,
        "val/mean_class_acc": rc.mean_class,
    }


def class_diff_lines(cc: ClassComparison) -> list[str]:
    width = max(8, *(len(c) for c in cc.classes))
    col = max(8, len(cc.a), len(cc.b))
    if any(r.paired for r in cc.rows):
        noise = "± 95 % t interval over seed-paired differences"
    elif any(r.half_width is not None for r in cc.rows):
        noise = "± 95 % t interval over seeds"
    else:
        noise = "one run each: no seed noise"
    lines = [
        f"per class: {cc.b} {MINUS} {cc.a} at the best of each ({cc.b_runs} vs {cc.a_runs} run(s); {noise})",
        f"{'class':{width}}  {cc.a:>{col}}  {cc.b:>{col}}  difference",
    ]
    for r in cc.rows:
        a = "—" if r.a_mean is None else f"{r.a_mean:.2f}"
        b = "—" if r.b_mean is None else f"{r.b_mean:.2f}"
        d = "—" if r.diff is None else f"{r.diff:+.2f}" + (f" ± {r.half_width:.2f}" if r.half_width is not None else "")
        lines.append(f"{r.name:{width}}  {a:>{col}}  {b:>{col}}  {d}")
    return lines


def class_diff_json(cc: ClassComparison) -> dict[str, Any]:
    return {
        "a": cc.a,
        "b": cc.b,
        "classes": cc.classes,
        "a_runs": cc.a_runs,
        "b_runs": cc.b_runs,
        "rows": [
            {
                "class": r.name,
                "a": r.a_mean,
                "b": r.b_mean,
                "diff": r.diff,
                "se": r.se,
                "ci95_half_width": r.half_width,
                "seed_paired": r.paired,
            }
            for r in cc.rows
        ],
        "confusion_diff_row_percent": cc.confusion_diff,
    }


def run_class_png(rc: RunClasses, path: Path, title: str = "", formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Per-class accuracy bars beside the row-normalised confusion matrix; one file per format."""
    return save_figure(_run_class_figure(rc, title), path, formats)


@styled
def _run_class_figure(rc: RunClasses, title: str):
    fig, (bars, grid) = new_figure(2, height_in=3.0, ncols=2)
    accs = [a or 0.0 for a in rc.accuracy]
    bars.barh(range(len(rc.classes)), accs, color="tab:blue")
    bars.set_yticks(range(len(rc.classes)), rc.classes)
    bars.invert_yaxis()
    bars.set_xlabel("accuracy (%)")
    bars.set_xlim(0, 100)
    for i, a in enumerate(accs):
        bars.text(a + 1, i, f"{a:.1f}", va="center")
    percent = rc.row_percent()
    image = grid.imshow(percent, cmap="Blues", vmin=0, vmax=100)
    for i, row in enumerate(rc.matrix):
        for j, v in enumerate(row):
            grid.text(j, i, str(v), ha="center", va="center", color="white" if percent[i][j] > 60 else "black")
    short = [c[:4] for c in rc.classes]
    grid.set_xticks(range(len(short)), short, rotation=45)
    grid.set_yticks(range(len(short)), short)
    grid.set_xlabel("predicted")
    grid.set_ylabel("true")
    fig.colorbar(image, ax=grid, label="% of the true class")
    fig.suptitle(
        title or f"run {rc.run_id}, best epoch {rc.epoch}: {rc.overall:.2f} % (mean class {rc.mean_class:.2f})"
    )
    fig.tight_layout()
    return fig


def class_diff_png(cc: ClassComparison, path: Path, title: str = "", formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """Per-class differences with their intervals beside the confusion-matrix difference."""
    return save_figure(_class_diff_figure(cc, title), path, formats)


@styled
def _class_diff_figure(cc: ClassComparison, title: str):
    fig, (bars, grid) = new_figure(2, height_in=3.0, ncols=2)
    diffs = [r.diff or 0.0 for r in cc.rows]
    errors = [r.half_width if r.half_width is not None else 0.0 for r in cc.rows]
    colours = ["tab:green" if d > 0 else "tab:red" for d in diffs]
    bars.barh(range(len(cc.classes)), diffs, xerr=errors if any(errors) else None, color=colours, capsize=2)
    bars.axvline(0, color="black", linewidth=0.8)
    bars.set_yticks(range(len(cc.classes)), cc.classes)
    bars.invert_yaxis()
    bars.set_xlabel(f"{cc.b} {MINUS} {cc.a} (points)" + (" ± 95 % t interval" if any(errors) else ""))
    limit = max(1.0, *(abs(v) for row in cc.confusion_diff for v in row))
    image = grid.imshow(cc.confusion_diff, cmap=DIVERGING_CMAP, vmin=-limit, vmax=limit)
    for i, row in enumerate(cc.confusion_diff):
        for j, v in enumerate(row):
            text = "0" if round(v, 1) == 0 else f"{v:+.1f}" if abs(v) < 10 else f"{v:+.0f}"  # fits 8 pt
            grid.text(j, i, text, ha="center", va="center", color="white" if abs(v) > 0.6 * limit else "black")
    short = [c[:4] for c in cc.classes]
    grid.set_xticks(range(len(short)), short, rotation=45)
    grid.set_yticks(range(len(short)), short)
    grid.set_xlabel("predicted")
    grid.set_ylabel("true")
    fig.colorbar(image, ax=grid, label=f"row % : {cc.b} {MINUS} {cc.a}")
    fig.suptitle(title or f"per class: {cc.b} {MINUS} {cc.a}")
    fig.tight_layout()
    return fig
