"""Grids of faces with the CLS attention map overlaid (fertui.figures: paper sizes, PNG/PDF/SVG).

One colour scale for the whole figure (0 to the largest weight shown), in a perceptually
uniform map, with its colour bar, so maps compare across blocks and faces.
"""

from __future__ import annotations

from pathlib import Path

from fertui.explain.run import Explanation
from fertui.figures import ATTENTION_CMAP, TWO_COLUMNS_IN, pyplot, save_figure, styled

CMAP = ATTENTION_CMAP
ALPHA = 0.5
CELL_IN = 0.8  # one face's square at print size: patches stay visible, titles fit at 8 pt


def _overlay(ax, face, amap, top: float, title: str = "") -> None:
    size = face.shape[0]
    ax.imshow(face)
    # nearest: one square per patch, so the grid (7x7 or 14x14) stays visible; one colour
    # scale for the whole figure, so a flat map looks flat
    ax.imshow(amap, cmap=CMAP, alpha=ALPHA, extent=(0, size, size, 0), interpolation="nearest", vmin=0, vmax=top)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)


def _label(ex: Explanation, i: int) -> str:
    true, pred = ex.classes[ex.labels[i]], ex.classes[ex.predicted[i]]
    return f"{true}" + ("" if true == pred else f" → {pred}")


def _grid(rows: int, cols: int):
    width = min(TWO_COLUMNS_IN, CELL_IN * cols + 0.8)
    return pyplot().subplots(rows, cols, figsize=(width, (width - 0.8) / cols * rows + 0.7), squeeze=False)


def _colour_bar(fig, axes, top: float) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig.colorbar(ScalarMappable(Normalize(0, top), CMAP), ax=axes, shrink=0.8, label="attention weight")


def blocks_png(ex: Explanation, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """One row per image: the face, then its map at each block (and the rollout for ViT); the
    paths written, one per format."""
    return save_figure(_blocks_figure(ex), path, formats)


@styled
def _blocks_figure(ex: Explanation):
    extra = 1 if ex.kind == "self-attention" else 0
    cols = 1 + ex.depth + extra
    rows = len(ex.faces)
    top = float(max(max(m.max() for m in ex.block_maps), max(m.max() for m in ex.summary_maps)))
    fig, axes = _grid(rows, cols)
    for i, face in enumerate(ex.faces):
        axes[i][0].imshow(face)
        axes[i][0].set_xticks([])
        axes[i][0].set_yticks([])
        axes[i][0].set_title(_label(ex, i))
        for d in range(ex.depth):
            _overlay(axes[i][1 + d], face, ex.block_maps[i][d], top, f"block {d + 1}" if i == 0 else "")
        if extra:
            _overlay(axes[i][-1], face, ex.summary_maps[i], top, "rollout" if i == 0 else "")
    fig.suptitle(f"run {ex.run_id} ({ex.model}): CLS {ex.kind}, {ex.side}×{ex.side} patches")
    _colour_bar(fig, axes, top)
    return fig


def per_class_png(ex: Explanation, path: Path, formats: tuple[str, ...] = ("png",)) -> list[Path]:
    """One row per class: its faces with the summary map, then the class's mean map; the paths
    written, one per format."""
    return save_figure(_per_class_figure(ex), path, formats)


@styled
def _per_class_figure(ex: Explanation):
    per_row = max((ex.labels.count(c) for c in set(ex.labels)), default=0)
    present = sorted(ex.class_means)
    cols = per_row + 1
    top = float(max([m.max() for m in ex.summary_maps] + [m.max() for m in ex.class_means.values()]))
    fig, axes = _grid(len(present), cols)
    for r, label in enumerate(present):
        faces = [i for i, y in enumerate(ex.labels) if y == label]
        for c in range(per_row):
            ax = axes[r][c]
            if c < len(faces):
                i = faces[c]
                _overlay(ax, ex.faces[i], ex.summary_maps[i], top, _label(ex, i))
            else:
                ax.axis("off")
        mean_ax = axes[r][-1]
        mean_ax.imshow(ex.class_means[label], cmap=CMAP, interpolation="nearest", vmin=0, vmax=top)
        mean_ax.set_xticks([])
        mean_ax.set_yticks([])
        mean_ax.set_title(f"{ex.classes[label]}: mean of {ex.class_counts[label]}")
    which = "rollout" if ex.kind == "self-attention" else f"block {ex.depth} class attention"
    fig.suptitle(f"run {ex.run_id} ({ex.model}): CLS {which} per class")
    _colour_bar(fig, axes, top)
    return fig
