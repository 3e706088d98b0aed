"""The run view's "what it learned" pane: per-class accuracy and the confusion matrix at the best
epoch, and the CLS attention as shaded patch grids (from ``fertui explain``'s attention.json)."""

from __future__ import annotations

import json
from pathlib import Path

from fertui.explain.run import MAPS_FILE
from fertui.sweeps.per_class import RunClasses, best_epoch_classes

SHADES = "·░▒▓█"  # any terminal, 16 colours or none; a dot keeps a cold patch visible
BAR_WIDTH = 20


def shade(value: float, top: float) -> str:
    level = 0 if top <= 0 else min(len(SHADES) - 1, int(round(value / top * (len(SHADES) - 1))))
    return SHADES[level] * 2  # two cells per patch: a square on a terminal's tall cells


def patch_grid(amap: list[list[float]], top: float) -> list[str]:
    return ["".join(shade(v, top) for v in row) for row in amap]


def class_lines(rc: RunClasses) -> list[str]:
    width = max(len(c) for c in rc.classes)
    lines = [f"best epoch {rc.epoch}: accuracy {rc.overall:.2f} %, mean class {rc.mean_class:.2f} %"]
    for name, support, acc in zip(rc.classes, rc.support, rc.accuracy):
        bar = "█" * int(round((acc or 0) / 100 * BAR_WIDTH))
        lines.append(f"{name:{width}} {support:5d}  {'—' if acc is None else f'{acc:6.2f}'}  {bar}")
    short = [c[:4] for c in rc.classes]
    lines += ["", "confusion (rows true, columns predicted)", " " * (width + 1) + " ".join(f"{s:>4}" for s in short)]
    lines += [f"{name:{width}} " + " ".join(f"{v:4d}" for v in row) for name, row in zip(rc.classes, rc.matrix)]
    return lines


def attention_lines(doc: dict) -> list[str]:
    """Each class's mean map as a shaded grid, grids side by side (wrapped by the caller's width)."""
    means = doc.get("class_means") or {}
    if not means:
        return []
    top = max(v for m in means.values() for row in m for v in row)
    side = int(doc["side"])
    head = (
        f"CLS attention ({doc['map']}), mean per class, {side}×{side} patches; █ = {top:.3f} of the attention, · = none"
    )
    kept = (doc.get("class_cls_self") or {}).values()
    if kept:  # maps hold the patches' share only; say what the CLS token kept for itself
        head += f"; CLS → CLS self-weight {min(kept):.3f}–{max(kept):.3f} (not in the maps)"
    blocks = [(name[: 2 * side].ljust(2 * side), patch_grid(m, top)) for name, m in means.items()]
    return [head, *_side_by_side(blocks)]


def _side_by_side(blocks: list[tuple[str, list[str]]], per_row: int = 4) -> list[str]:
    lines = []
    for start in range(0, len(blocks), per_row):
        group = blocks[start : start + per_row]
        lines.append("  ".join(title for title, _ in group))
        for i in range(len(group[0][1])):
            lines.append("  ".join(grid[i] for _, grid in group))
    return lines


def answers_text(run_dir: Path) -> str:
    parts = []
    found = best_epoch_classes(run_dir)
    parts += (
        class_lines(found)
        if found
        else ["no confusion matrix: per-class results come from the built-in trainer's validation"]
    )
    maps = run_dir / "explain" / MAPS_FILE
    try:
        doc = json.loads(maps.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = None
    parts.append("")
    parts += attention_lines(doc) if doc else [f"no attention maps yet: `fertui explain {run_dir.name}` writes them"]
    return "\n".join(parts)
