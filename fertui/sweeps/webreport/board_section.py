"""A sweep's part of the report: board, references, isolation view, A-vs-B tables and plots."""

from __future__ import annotations

from html import escape

from fertui.config import compact
from fertui.errors import UserError
from fertui.metrics import rank_key
from fertui.presentation import Cell
from fertui.sweeps import render
from fertui.sweeps.board import Board, isolation, pivot
from fertui.sweeps.compare import compare
from fertui.sweeps.export import axis_figure, heatmap_figure, lines_figure, loss_figure
from fertui.sweeps.references import ReferenceSet, references_for
from fertui.sweeps.results import Observation
from fertui.sweeps.spec import SweepSpec
from fertui.sweeps.webreport.markup import figure_img, table
from fertui.workspace import Workspace

MAX_COMPARE_VALUES = 4  # an A-vs-B table of more columns than this is a board, not a comparison


def sweep_section(
    ws: Workspace, spec: SweepSpec, observations: list[Observation], title: str, runs_html: str = ""
) -> str:
    board = pivot(ws, spec.name)
    refs = references_for(ws, board.dataset, board.metric)
    parts = [
        f'<section class="sweep" id="sweep-{escape(spec.name)}"><h2>{escape(title)}</h2>',
        f"<p>{escape(spec.strategy)} sweep, objective {escape(spec.objective)} ({escape(spec.direction)}), "
        f"{len(observations)} runs. Click a cell for its runs.</p>",
        "<h3>Board</h3>",
        board_table(board),
        f'<p class="best-line">{escape(render.best_line(board))}</p>',
        split_list(board),
    ]
    if refs is not None:
        parts += [f"<h3>{escape(refs.display)} references ({escape(refs.metric)})</h3>", reference_table(board, refs)]
    parts.append(_isolation(ws, spec))
    parts += [_comparison(ws, spec, key, board) for key in compare_keys(spec, board)]
    parts += [_figures(ws, board, observations, title), runs_html, "</section>"]
    return "\n".join(p for p in parts if p)


def split_list(board: Board) -> str:
    """The cells whose runs differ outside the axes (a --force add), as render.split_lines says."""
    lines = render.split_lines(board)
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line.strip())}</li>" for line in lines[1:])
    return f'<p class="splits">{escape(lines[0])}</p><ul class="splits">{items}</ul>'


def board_table(board: Board) -> str:
    """The pivot as a table: the best cell marked, NaN and failed cells marked, each cell
    naming its runs (data-runs) so a click opens their details."""
    fmt = render.number_format([v for c in board.cells.values() for v in c.values])
    head = "".join(f"<th>{escape(h)}</th>" for h in render.board_header(board))
    rows = []
    for r in board.row_values:
        cells = [f"<th>{escape(render.label(r))}</th>"]
        for c in board.col_values:
            stats = board.cell(r, c)
            if stats is None:
                cells.append('<td class="empty"></td>')
                continue
            classes = [
                cls
                for cls, on in (
                    ("best", stats.best),
                    ("nan", stats.states.get("nan")),
                    ("failed", stats.states.get("failed") or stats.states.get("oom")),
                )
                if on
            ]
            text = escape(render.cell_text(stats, fmt))
            if stats.best:
                text = f"<strong>{text} ★</strong>"
            cells.append(
                f'<td class="{" ".join(["cell", *classes])}" tabindex="0" '
                f'data-runs="{escape(" ".join(stats.run_ids))}">{text}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="board" data-sweep="{escape(board.sweep)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def reference_table(board: Board, refs: ReferenceSet) -> str:
    ours = board.cells[board.best].mean if board.best is not None else None
    rows = [(r.method, r.value, r.citation, False) for r in refs.rows]
    if ours is not None:
        rows.append((f"{board.sweep} (best)", ours, "this sweep", True))
    rows.sort(key=lambda row: rank_key(board.direction)(row[1]))
    return table(
        ["method", refs.metric, "note"],
        [[m, Cell(f"{v:.2f}", best=own), note] for m, v, note, own in rows],
        "references",
    )


def compare_keys(spec: SweepSpec, board: Board) -> list[str]:
    """The scientific axes worth an A-vs-B table against the column key (e.g. depth per LR)."""
    if board.cols_key is None:  # a one-axis sweep: its board is already the comparison
        return []
    return [
        a.key
        for a in spec.axes
        if a.key != board.cols_key and spec.role(a.key) == "scientific" and 2 <= len(a.values) <= MAX_COMPARE_VALUES
    ]


def _comparison(ws: Workspace, spec: SweepSpec, by: str, board: Board) -> str:
    try:
        result = compare(ws, spec.name, by=by, across=board.cols_key)
    except UserError:  # e.g. only one value of BY has finished runs so far
        return ""
    header, rows = render.compare_rows(result)
    short = by.split(".")[-1]
    header = [header[0], *[f"{short}={h}" for h in header[1:-1]], header[-1]]  # "depth=4", not a bare "4"
    pairs = "".join(f"<li>{escape(line)}</li>" for line in render.pair_lines(result))
    return (
        f"<h3>{escape(result.by)} A vs B at each {escape(result.across)}</h3>"
        f"{table(header, rows, 'compare')}<ul class='pairs'>{pairs}</ul>"
    )


def _isolation(ws: Workspace, spec: SweepSpec) -> str:
    iso = isolation(ws, spec.name)
    if not iso.nuisance:
        return ""
    header, rows = render.isolation_rows(iso)
    return f"<h3>{escape(iso.key)} at its best {escape(', '.join(iso.nuisance))}</h3>{table(header, rows, 'isolation')}"


def best_runs(board: Board, observations: list[Observation]) -> list[Observation]:
    """The runs of each row's best cell: the loss curves worth looking at, one group per depth."""
    wanted: set[str] = set()
    for r in board.row_values:
        cells = [s for c in board.col_values if (s := board.cell(r, c)) is not None and s.mean is not None]
        if cells:
            best = min(cells, key=lambda s: rank_key(board.direction)(s.mean))
            wanted.update(best.run_ids)
    return [o for o in observations if o.run_id in wanted]


def _figures(ws: Workspace, board: Board, observations: list[Observation], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    figures = []
    if board.cols_key is not None:
        figures.append(
            figure_img(lines_figure(board, title), f"{board.metric} vs {board.cols_key}, one line per {board.rows_key}")
        )
        figures.append(figure_img(heatmap_figure(board), f"{board.metric} heatmap"))
    else:
        figures.append(figure_img(axis_figure(board, title), f"{board.metric} vs {board.rows_key}"))
    best = best_runs(board, observations)
    loss = loss_figure(ws, best, f"{board.sweep}, best cell per {board.rows_key}") if best else None
    if loss is not None:
        per = compact(board.rows_key.split(".")[-1])
        figures.append(figure_img(loss, f"loss curves of the best runs (best cell per {per})"))
    return '<h3>Plots</h3><div class="figures">' + "".join(figures) + "</div>"
