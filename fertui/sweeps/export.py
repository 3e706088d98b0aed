"""``fertui export``: a sweep's tables (markdown, CSV) and PNG figures, named like the notes'.

Files start with the dataset's display name, e.g. ``RAF-DB_CLSFERBaseline_SearchDepthLR.png``
(objective vs the column key, one line per row value), ``..._heatmap.png``, ``..._loss.png``,
and one ``RAF-DB_<run name>.png`` per run name when the name template splits the sweep
(``CLSFERBaseline_depth8_SearchLR``). With an LR axis, ``..._lr_sensitivity.png`` and a section
on each setting's LR window; ``--by KEY`` adds the comparison with its verdict and, from the
runs' confusion matrices, ``..._classes.png``; ``--paper`` the paper's table (.md and .tex).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from fertui.config import compact, sanitize_name
from fertui.errors import UserError
from fertui.events import read_run_events
from fertui.atomicio import atomic_file, atomic_write_text
from fertui.sweeps import render
from fertui.sweeps.board import Board, isolation, pivot
from fertui.sweeps.references import display_name, references_for
from fertui.sweeps.results import Observation, require_runs
from fertui.sweeps.spec import require_spec
from fertui.workspace import Workspace

MAX_LOSS_CURVES = 16
LOSS_METRICS = ("train/loss", "val/loss")


def export(ws: Workspace, sweep: str, out: Path, by: str | None = None, paper: bool = False) -> list[Path]:
    """Write every table and figure of SWEEP into OUT; the paths written."""
    spec = require_spec(ws, sweep)
    observations = require_runs(ws, spec)
    board = pivot(ws, sweep)
    title = titled(ws, spec.dataset, spec.name)
    prefix = sanitize_name(title)
    out.mkdir(parents=True, exist_ok=True)
    written = [_write(out / f"{prefix}_board.md", _markdown(ws, sweep, board)),
               _write(out / f"{prefix}_board.csv", render.board_csv(board)),
               _write(out / f"{prefix}_runs.csv", _runs_csv(spec.axes, observations))]
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    if board.cols_key is not None:
        written.append(save_png(lines_figure(board, title), out / f"{prefix}.png"))
        written.append(save_png(heatmap_figure(board), out / f"{prefix}_heatmap.png"))
        written += _per_name_plots(ws, spec, board, observations, out)
    else:  # one axis (e.g. an eps search): the objective along it
        written.append(save_png(axis_figure(board, title), out / f"{prefix}.png"))
    loss = loss_figure(ws, observations, spec.name)
    if loss is not None:
        written.append(save_png(loss, out / f"{prefix}_loss.png"))
    written += _answers(ws, sweep, out, prefix, title, by, paper)
    return written


def _answers(ws: Workspace, sweep: str, out: Path, prefix: str, title: str, by: str | None, paper: bool) -> list[Path]:
    """What the results say: LR sensitivity, the comparison's verdict and per-class view, the paper table."""
    from fertui.sweeps.sensitivity import LR_KEY, sensitivity, sensitivity_png

    spec = require_spec(ws, sweep)
    written = []
    if spec.axis(LR_KEY) is not None and len(spec.axes) > 1:
        key, rows = sensitivity(ws, sweep)
        written.append(sensitivity_png(key, rows, out / f"{prefix}_lr_sensitivity.png", title, spec.objective))
    if by is not None:
        from fertui.sweeps.compare import compare
        from fertui.sweeps.per_class import comparison_classes
        from fertui.sweeps.per_class_render import class_diff_lines, class_diff_png

        cmp = compare(ws, sweep, by=by)
        header, rows = render.compare_rows(cmp, lambda t: f"**{t}**")
        text = (f"# {sweep}: {cmp.metric} by {by}\n\n{render.md_table(header, rows)}\n\n"
                + "\n".join(render.pair_lines(cmp, f"fertui compare {sweep} --by {by}")) + "\n")
        try:
            per_class = comparison_classes(ws, cmp)
        except UserError:
            per_class = []  # command jobs write no confusion matrix: the verdict still stands
        for i, cc in enumerate(per_class):
            text += "\n```\n" + "\n".join(class_diff_lines(cc)) + "\n```\n"
            suffix = "" if len(per_class) == 1 else f"_{i + 1}"
            written.append(class_diff_png(cc, out / f"{prefix}_classes{suffix}.png", f"{title}: per class"))
        written.insert(0, _write(out / f"{prefix}_compare.md", text))
    if paper:
        from fertui.sweeps.paper import paper_latex, paper_markdown, paper_table

        table = paper_table(ws, sweep)
        written += [_write(out / f"{prefix}_paper.md", paper_markdown(table)),
                    _write(out / f"{prefix}_paper.tex", paper_latex(table))]
    return written


def save_png(fig, path: Path) -> Path:
    """Write FIG as a PNG through an atomic, umask-following write, then free it."""
    import matplotlib.pyplot as plt

    with atomic_file(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=120)
    plt.close(fig)
    return path


def _write(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def _markdown(ws: Workspace, sweep: str, board: Board) -> str:
    from fertui.sweeps.sensitivity import sensitivity_lines

    refs = references_for(ws, board.dataset, board.metric)
    iso = isolation(ws, sweep)
    header, rows = render.isolation_rows(iso, lambda t: f"**{t}**")
    windows = sensitivity_lines(ws, sweep, iso.key)
    return (f"# {sweep}: {board.metric}\n\n{render.board_markdown(board, refs)}\n"
            f"## {iso.key} at its best {', '.join(iso.nuisance) or 'setting'}\n\n{render.md_table(header, rows)}\n"
            + (f"\n{windows[0]}\n\n" + "\n".join(f"- {w.strip()}" for w in windows[1:]) + "\n" if windows else ""))


def _runs_csv(axes, observations: list[Observation]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "name", "status", *[a.key for a in axes], "run.seed", "objective", "pruned_epoch",
                     "tags", "notes"])
    for o in observations:
        notes = " | ".join(n.get("text", "") for n in o.run.get("notes") or [])
        writer.writerow([o.run_id, o.name, o.status, *[o.cell.get(a.key) for a in axes], o.seed,
                         "" if o.value is None else repr(o.value), o.pruned_epoch or "",
                         " ".join(o.run.get("tags") or []), notes])
    return buf.getvalue()


def lines_figure(board: Board, title: str, only_row=None):
    """The objective against the column key, one line per row value (LR curves per depth)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    numeric = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in board.col_values)
    for r in board.row_values:
        if only_row is not None and r != only_row:
            continue
        xs, ys, errs = [], [], []
        for i, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            if stats is not None and stats.mean is not None:
                xs.append(c if numeric else i)
                ys.append(stats.mean)
                errs.append(stats.std or 0.0)
        if xs:
            ax.errorbar(xs, ys, yerr=errs if any(errs) else None, marker="o", capsize=3,
                        label=f"{board.rows_key.split('.')[-1]}={compact(r)}")
    if numeric and board.col_values and min(board.col_values) > 0 and \
            max(board.col_values) / min(board.col_values) >= 10:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(range(len(board.col_values)), [compact(c) for c in board.col_values])
    elif len(board.col_values) <= 12:  # label every grid value, as the notes' figures do
        ax.set_xticks(board.col_values, [compact(c) for c in board.col_values], minor=False)
        ax.minorticks_off()
    ax.set_xlabel(board.cols_key)
    ax.set_ylabel(board.metric)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def axis_figure(board: Board, title: str):
    """The objective along the one axis of a one-axis sweep."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    points = [(r, board.cell(r)) for r in board.row_values]
    points = [(r, s) for r, s in points if s is not None and s.mean is not None]
    numeric = all(isinstance(r, (int, float)) and not isinstance(r, bool) for r, _ in points)
    xs = [r if numeric else i for i, (r, _) in enumerate(points)]
    ax.errorbar(xs, [s.mean for _, s in points], yerr=[s.std or 0.0 for _, s in points], marker="o", capsize=3)
    if numeric and xs and min(xs) > 0 and max(xs) / min(xs) >= 10:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(xs, [compact(r) for r, _ in points])
    ax.set_xlabel(board.rows_key)
    ax.set_ylabel(board.metric)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def heatmap_figure(board: Board):
    import matplotlib.pyplot as plt
    import numpy as np

    grid = np.full((len(board.row_values), len(board.col_values)), np.nan)
    for i, r in enumerate(board.row_values):
        for j, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            if stats is not None and stats.mean is not None:
                grid[i, j] = stats.mean
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(board.col_values), 1.2 + 0.6 * len(board.row_values)))
    image = ax.imshow(grid, cmap="viridis" if board.maximize else "viridis_r", aspect="auto")
    fmt = render.number_format([v for v in grid.flatten() if v == v])
    for i, r in enumerate(board.row_values):
        for j, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            text = fmt(grid[i, j]) if grid[i, j] == grid[i, j] else (render.cell_text(stats, fmt) if stats else "")
            bright = grid[i, j] == grid[i, j] and image.norm(grid[i, j]) > 0.6  # dark text on light cells
            ax.text(j, i, text + (" *" if stats is not None and stats.best else ""), ha="center", va="center",
                    fontsize=7, color="black" if bright or grid[i, j] != grid[i, j] else "white")
    ax.set_xticks(range(len(board.col_values)), [compact(c) for c in board.col_values], rotation=45)
    ax.set_yticks(range(len(board.row_values)), [compact(r) for r in board.row_values])
    ax.set_xlabel(board.cols_key)
    ax.set_ylabel(board.rows_key)
    ax.set_title(f"{board.sweep}: {board.metric}")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return fig


def _per_name_plots(ws: Workspace, spec, board: Board, observations: list[Observation], out: Path) -> list[Path]:
    """One figure per run name when the name template gives each row its own name."""
    names = defaultdict(set)
    for o in observations:
        names[o.name].add(o.cell.get(board.rows_key))
    if len(names) < 2 or any(len(rows) != 1 for rows in names.values()):
        return []
    titles = {name: titled(ws, spec.dataset, name) for name in names}
    return [save_png(lines_figure(board, titles[name], only_row=next(iter(rows))),
                     out / f"{sanitize_name(titles[name])}.png") for name, rows in sorted(names.items())]


def titled(ws: Workspace, dataset: str, name: str) -> str:
    """"RAF-DB NAME"; just NAME for a sweep of command jobs, which name no data set."""
    return f"{display_name(ws, dataset)} {name}" if dataset else name


def loss_figure(ws: Workspace, observations: list[Observation], title: str):
    """Loss curves of OBSERVATIONS' runs (the first MAX_LOSS_CURVES); None when none logged a loss."""
    import matplotlib.pyplot as plt

    curves = []
    for o in sorted(observations, key=lambda o: o.run_id):
        series: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for e in read_run_events(ws.run_dir(o.run_id)):
            metrics = e.get("metrics") if e.get("type") == "log" else None
            for m in LOSS_METRICS:
                if isinstance(metrics, dict) and isinstance(metrics.get(m), (int, float)):
                    series[m].append((e.get("step", 0), metrics[m]))
        metric = next((m for m in LOSS_METRICS if series.get(m)), None)
        if metric:
            label = " ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in o.cell.items()) + f" s{o.seed}"
            curves.append((label + (f" ({o.status})" if o.status != "done" else ""), metric, series[metric]))
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, metric, points in curves[:MAX_LOSS_CURVES]:
        ax.plot([p[0] for p in points], [p[1] for p in points], label=label, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel(curves[0][1])
    ax.set_title(f"{title}: loss" + (f" (first {MAX_LOSS_CURVES} runs)" if len(curves) > MAX_LOSS_CURVES else ""))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
