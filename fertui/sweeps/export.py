"""``fertui export``: a sweep's tables (markdown, CSV) and figures, named like the notes'.

Figures are PNG by default and also PDF/SVG with ``--format`` (fertui.figures: paper sizes).

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
from dataclasses import dataclass, field
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.config import compact, sanitize_name
from fertui.errors import UserError
from fertui.events import read_run_events
from fertui.figures import (
    SEQUENTIAL_CMAP,
    log_lr_axis,
    new_figure,
    save_figure,
    styled,
    wants_log_axis,
)
from fertui.provenance.record import fingerprint
from fertui.records import EventKind, event_kind
from fertui.sweeps import render
from fertui.sweeps.board import Board, isolation, pivot
from fertui.sweeps.references import display_name, references_for
from fertui.sweeps.results import Observation, require_runs
from fertui.sweeps.spec import require_spec
from fertui.sweeps.units import fraction_warning
from fertui.workspace import Workspace

MAX_LOSS_CURVES = 16
LOSS_METRICS = ("train/loss", "val/loss")


@dataclass
class Exported:
    paths: list[Path]
    # What the files say a reader must know before quoting them (fractions beside percent
    # references): written into the files too, and shown by the command that wrote them.
    warnings: list[str] = field(default_factory=list)


def export(
    ws: Workspace,
    sweep: str,
    out: Path,
    by: str | None = None,
    paper: bool = False,
    formats: tuple[str, ...] = ("png",),
) -> Exported:
    """Write every table and figure (in each of FORMATS) of SWEEP into OUT: the paths written and
    the warnings the files carry."""
    spec = require_spec(ws, sweep)
    observations = require_runs(ws, spec)
    board = pivot(ws, sweep)
    warning = fraction_warning(board, references_for(ws, board.dataset, board.metric))
    warnings = [warning] if warning else []
    title = titled(ws, spec.dataset, spec.name)
    prefix = sanitize_name(title)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        _write(out / f"{prefix}_board.md", _markdown(ws, sweep, board, warning)),
        _write(out / f"{prefix}_board.csv", render.board_csv(board)),
        _write(out / f"{prefix}_runs.csv", _runs_csv(spec.axes, observations)),
    ]
    if board.cols_key is not None:
        written += save_figure(lines_figure(board, title), out / f"{prefix}.png", formats)
        written += save_figure(heatmap_figure(board), out / f"{prefix}_heatmap.png", formats)
        written += _per_name_plots(ws, spec, board, observations, out, formats)
    else:  # one axis (e.g. an eps search): the objective along it
        written += save_figure(axis_figure(board, title), out / f"{prefix}.png", formats)
    loss = loss_figure(ws, observations, spec.name)
    if loss is not None:
        written += save_figure(loss, out / f"{prefix}_loss.png", formats)
    written += _answers(ws, sweep, out, prefix, title, by, paper, formats, warnings)
    return Exported(written, warnings)


def _answers(
    ws: Workspace,
    sweep: str,
    out: Path,
    prefix: str,
    title: str,
    by: str | None,
    paper: bool,
    formats: tuple[str, ...],
    warnings: list[str],
) -> list[Path]:
    """What the results say: LR sensitivity, the comparison's verdict and per-class view, the paper table."""
    from fertui.sweeps.sensitivity import LR_KEY, sensitivity, sensitivity_png

    spec = require_spec(ws, sweep)
    written = []
    if spec.axis(LR_KEY) is not None and len(spec.axes) > 1:
        key, rows = sensitivity(ws, sweep)
        written += sensitivity_png(
            key, rows, out / f"{prefix}_lr_sensitivity.png", title, spec.objective, formats=formats
        )
    if by is not None:
        from fertui.sweeps.compare import compare
        from fertui.sweeps.per_class import comparison_classes
        from fertui.sweeps.per_class_render import class_diff_lines, class_diff_png

        cmp = compare(ws, sweep, by=by)
        header, rows = render.compare_rows(cmp)
        text = (
            f"# {sweep}: {cmp.metric} by {by}\n\n{render.md_table(header, rows)}\n\n"
            + "\n".join(render.pair_lines(cmp, f"fertui compare {sweep} --by {by}"))
            + "\n"
        )
        try:
            per_class = comparison_classes(ws, cmp)
        except UserError:
            per_class = []  # command jobs write no confusion matrix: the verdict still stands
        for i, cc in enumerate(per_class):
            text += "\n```\n" + "\n".join(class_diff_lines(cc)) + "\n```\n"
            suffix = "" if len(per_class) == 1 else f"_{i + 1}"
            written += class_diff_png(cc, out / f"{prefix}_classes{suffix}.png", f"{title}: per class", formats)
        written.insert(0, _write(out / f"{prefix}_compare.md", text))
    if paper:
        from fertui.sweeps.paper import paper_latex, paper_markdown, paper_table

        table = paper_table(ws, sweep)
        warnings += [w for w in table.warnings if w not in warnings]
        written += [
            _write(out / f"{prefix}_paper.md", paper_markdown(table)),
            _write(out / f"{prefix}_paper.tex", paper_latex(table)),
        ]
    return written


def _write(path: Path, text: str) -> Path:
    atomic_write_text(path, text)
    return path


def _markdown(ws: Workspace, sweep: str, board: Board, warning: str | None = None) -> str:
    from fertui.sweeps.sensitivity import sensitivity_lines

    refs = references_for(ws, board.dataset, board.metric)
    iso = isolation(ws, sweep)
    header, rows = render.isolation_rows(iso)
    windows = sensitivity_lines(ws, sweep, iso.key)
    return (
        f"# {sweep}: {board.metric}\n\n{render.board_markdown(board, refs)}\n"
        + (f"{warning}\n\n" if warning else "")
        + f"## {iso.key} at its best {', '.join(iso.nuisance) or 'setting'}\n\n{render.md_table(header, rows)}\n"
        + (f"\n{windows[0]}\n\n" + "\n".join(f"- {w.strip()}" for w in windows[1:]) + "\n" if windows else "")
    )


def _runs_csv(axes, observations: list[Observation]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    # The code each run ran (fertui.provenance; empty without git) and its variant last, after the
    # columns a reader may take by position: runs of one cell with two fingerprints are not seeds
    # of one setting, nor are runs added with another setting outside the axes (`--force`), whose
    # `variant` names it (e.g. train.epochs=2; empty for the sweep's own setting).
    writer.writerow(
        [
            "id",
            "name",
            "status",
            *[a.key for a in axes],
            "run.seed",
            "objective",
            "pruned_epoch",
            "tags",
            "notes",
            "commit",
            "code_fingerprint",
            "variant",
        ]
    )
    for o in observations:
        notes = " | ".join(n.get("text", "") for n in o.run.get("notes") or [])
        code = o.run.get("code") or {}
        writer.writerow(
            [
                o.run_id,
                o.name,
                o.status,
                *[o.cell.get(a.key) for a in axes],
                o.seed,
                "" if o.value is None else repr(o.value),
                o.pruned_epoch or "",
                " ".join(o.run.get("tags") or []),
                notes,
                code.get("commit") or "",
                fingerprint(o.run),
                render.shown(render.variant_text(o.variant)),
            ]
        )
    return buf.getvalue()


@styled
def lines_figure(board: Board, title: str, only_row=None):
    """The objective against the column key, one line per row value (LR curves per depth); a
    cell with pruned runs is drawn hollow and a NaN cell as a cross on the axis."""
    fig, ax = new_figure()
    numeric = all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in board.col_values)
    for r in board.row_values:
        if only_row is not None and r != only_row:
            continue
        xs, ys, errs, pruned, nan_xs = [], [], [], [], []
        for i, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            x = c if numeric else i
            if stats is not None and stats.mean is not None:
                xs.append(x)
                ys.append(stats.mean)
                errs.append(stats.std or 0.0)
                if stats.states.get("pruned"):
                    pruned.append((x, stats.mean))
            elif stats is not None and stats.states.get("nan"):
                nan_xs.append(x)
        if xs:
            bars = ax.errorbar(
                xs,
                ys,
                yerr=errs if any(errs) else None,
                marker="o",
                capsize=2,
                label=f"{board.rows_key.split('.')[-1]}={compact(r)}",
            )
            colour = bars.lines[0].get_color()
            if pruned:
                ax.plot(
                    *zip(*pruned),
                    linestyle="none",
                    marker="o",
                    markersize=7,
                    markerfacecolor="white",
                    markeredgecolor=colour,
                    zorder=3,
                )
            if nan_xs:
                ax.plot(nan_xs, [min(ys)] * len(nan_xs), linestyle="none", marker="x", color=colour)
    if numeric and wants_log_axis(board.cols_key, board.col_values):
        log_lr_axis(ax, board.col_values)
    elif not numeric:
        ax.set_xticks(range(len(board.col_values)), [compact(c) for c in board.col_values])
    elif len(board.col_values) <= 12:  # label every grid value, as the notes' figures do
        ax.set_xticks(board.col_values, [compact(c) for c in board.col_values], minor=False)
        ax.minorticks_off()
    ax.set_xlabel(board.cols_key)
    ax.set_ylabel(board.metric)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    _legend(ax, board)
    return fig


def _legend(ax, board: Board) -> None:
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    states = [s for stats in board.cells.values() if stats is not None for s in stats.states]
    if "pruned" in states:
        handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="white", color="grey"))
        labels.append("pruned run(s)")
    if "nan" in states:
        handles.append(Line2D([], [], linestyle="none", marker="x", color="grey"))
        labels.append("NaN (no value)")
    if handles:
        ax.legend(handles, labels, frameon=False)


@styled
def axis_figure(board: Board, title: str):
    """The objective along the one axis of a one-axis sweep."""
    fig, ax = new_figure()
    points = [(r, board.cell(r)) for r in board.row_values]
    points = [(r, s) for r, s in points if s is not None and s.mean is not None]
    numeric = all(isinstance(r, (int, float)) and not isinstance(r, bool) for r, _ in points)
    xs = [r if numeric else i for i, (r, _) in enumerate(points)]
    ax.errorbar(xs, [s.mean for _, s in points], yerr=[s.std or 0.0 for _, s in points], marker="o", capsize=2)
    if numeric and wants_log_axis(board.rows_key, xs):
        log_lr_axis(ax, xs)
    if not numeric:
        ax.set_xticks(xs, [compact(r) for r, _ in points])
    ax.set_xlabel(board.rows_key)
    ax.set_ylabel(board.metric)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig


@styled
def heatmap_figure(board: Board):
    import numpy as np

    grid = np.full((len(board.row_values), len(board.col_values)), np.nan)
    for i, r in enumerate(board.row_values):
        for j, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            if stats is not None and stats.mean is not None:
                grid[i, j] = stats.mean
    # Cells wide and tall enough for an 8 pt value; one paper column up to 5 columns, two beyond.
    columns = 1 if len(board.col_values) <= 5 else 2
    fig, ax = new_figure(columns, height_in=1.0 + 0.32 * len(board.row_values))
    image = ax.imshow(grid, cmap=SEQUENTIAL_CMAP if board.maximize else f"{SEQUENTIAL_CMAP}_r", aspect="auto")
    fmt = render.number_format([v for v in grid.flatten() if v == v])
    for i, r in enumerate(board.row_values):
        for j, c in enumerate(board.col_values):
            stats = board.cell(r, c)
            text = fmt(grid[i, j]) if grid[i, j] == grid[i, j] else (render.cell_text(stats, fmt) if stats else "")
            bright = grid[i, j] == grid[i, j] and image.norm(grid[i, j]) > 0.6  # dark text on light cells
            ax.text(
                j,
                i,
                text + (" *" if stats is not None and stats.best else ""),
                ha="center",
                va="center",
                color="black" if bright or grid[i, j] != grid[i, j] else "white",
            )
    ax.set_xticks(range(len(board.col_values)), [compact(c) for c in board.col_values], rotation=45)
    ax.set_yticks(range(len(board.row_values)), [compact(r) for r in board.row_values])
    ax.set_xlabel(board.cols_key)
    ax.set_ylabel(board.rows_key)
    ax.set_title(f"{board.sweep}: {board.metric}")
    fig.colorbar(image, ax=ax, label=board.metric)
    return fig


def _per_name_plots(
    ws: Workspace, spec, board: Board, observations: list[Observation], out: Path, formats: tuple[str, ...]
) -> list[Path]:
    """One figure per run name when each row value has exactly one name (the notes'
    ``CLSFERBaseline_depth8_SearchLR``); a name that also names a column value (an LR) would
    title a figure that plots every LR, so then there are none."""
    names, rows_named = defaultdict(set), defaultdict(set)
    for o in observations:
        names[o.name].add(o.cell.get(board.rows_key))
        rows_named[o.cell.get(board.rows_key)].add(o.name)
    if (
        len(names) < 2
        or any(len(rows) != 1 for rows in names.values())
        or any(len(named) != 1 for named in rows_named.values())
    ):
        return []
    titles = {name: titled(ws, spec.dataset, name) for name in names}
    written = []
    for name, rows in sorted(names.items()):
        figure = lines_figure(board, titles[name], only_row=next(iter(rows)))
        written += save_figure(figure, out / f"{sanitize_name(titles[name])}.png", formats)
    return written


def titled(ws: Workspace, dataset: str, name: str) -> str:
    """ "RAF-DB NAME"; just NAME for a sweep of command jobs, which name no data set."""
    return f"{display_name(ws, dataset)} {name}" if dataset else name


MAX_CURVE_POINTS = 2000  # a figure is ~1,000 pixels wide: more points draw nothing new


class CurvePoints:
    """A curve's points, at most MAX_CURVE_POINTS however long the run: every STRIDE-th point
    seen, the stride doubling (and every other kept point dropped) each time the cap is passed,
    so a 2 GB event file costs a few KB here."""

    def __init__(self):
        self.points: list[tuple[float, float]] = []
        self.stride = 1
        self.seen = 0

    def add(self, point: tuple[float, float]) -> None:
        if self.seen % self.stride == 0:
            self.points.append(point)
            if len(self.points) > MAX_CURVE_POINTS:
                self.points = self.points[::2]
                self.stride *= 2
        self.seen += 1


@styled
def loss_figure(ws: Workspace, observations: list[Observation], title: str):
    """Loss curves of OBSERVATIONS' runs (the first MAX_LOSS_CURVES); None when none logged a loss.
    A pruned run's curve is dashed and a NaN run's ends in a cross."""
    curves = []
    for o in sorted(observations, key=lambda o: o.run_id):
        series: dict[str, CurvePoints] = defaultdict(CurvePoints)
        for e in read_run_events(ws.run_dir(o.run_id)):
            metrics = e.get("metrics") if event_kind(e) is EventKind.LOG else None
            for m in LOSS_METRICS:
                if isinstance(metrics, dict) and isinstance(metrics.get(m), (int, float)):
                    series[m].add((e.get("step", 0), metrics[m]))
        metric = next((m for m in LOSS_METRICS if series.get(m) and series[m].points), None)
        if metric:
            label = " ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in o.cell.items()) + f" s{o.seed}"
            curves.append(
                (label + (f" ({o.status})" if o.status != "done" else ""), metric, series[metric].points, o.status)
            )
    if not curves:
        return None
    fig, ax = new_figure(2, height_in=3.0)
    for label, _metric, points, status in curves[:MAX_LOSS_CURVES]:
        (line,) = ax.plot(
            [p[0] for p in points], [p[1] for p in points], label=label, linestyle="--" if status == "pruned" else "-"
        )
        if status == "nan":
            ax.plot(points[-1][0], points[-1][1], marker="x", markersize=7, color=line.get_color())
    ax.set_xlabel("step")
    ax.set_ylabel(curves[0][1])
    ax.set_title(f"{title}: loss" + (f" (first {MAX_LOSS_CURVES} runs)" if len(curves) > MAX_LOSS_CURVES else ""))
    ax.grid(True, alpha=0.3)
    # Beside the plot, not over the curves; two columns of labels when there are many runs.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=1 if len(curves) <= 8 else 2, frameon=False)
    fig.subplots_adjust(right=0.72 if len(curves) <= 8 else 0.5)  # the legend stays inside the two columns
    return fig
