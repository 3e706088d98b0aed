"""Boards, isolation views, comparisons and suggestions as Rich tables, markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from typing import Any

from fertui.config import compact
from fertui.metrics import rank_key
from fertui.presentation import Cell, is_best, text_of
from fertui.sweeps.board import Board, CellStats, Isolation, board_position
from fertui.sweeps.cells import CellSplit, Variant
from fertui.sweeps.compare import Comparison
from fertui.sweeps.references import ReferenceSet
from fertui.terminal_text import inline

STATE_MARKS = {
    "nan": "NaN",
    "failed": "failed",
    "oom": "OOM",
    "lost": "lost",
    "running": "running",
    "queued": "queued",
    "cancelled": "cancelled",
}


def number_format(values: list[float]) -> Callable[[float], str]:
    """One format for a whole table: 2 decimals for accuracies in %, more for small numbers."""
    biggest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if biggest >= 10:
        return lambda v: f"{v:.2f}"
    if biggest >= 1:
        return lambda v: f"{v:.3f}"
    return lambda v: f"{v:.4g}"


def label(value: Any) -> str:
    return "" if value is None else compact(value)


def keyed_label(key: str, value: Any) -> str:
    """A model name as it is; a number with its key (``depth 4``), so a header never reads ``4``."""
    if value is None or isinstance(value, str):
        return label(value)
    return f"{key.split('.')[-1]} {compact(value)}"


def mixed_code_states(stats: CellStats) -> int:
    """How many code states STATS' runs ran when more than one, else 0. Runs of different code
    are not seeds of one setting: every view that shows the cell's value marks it (the board
    and comparisons here, the paper table with a dagger)."""
    count = len(stats.code_states)
    return count if count > 1 else 0


def state_marks(stats: CellStats) -> list[str]:
    marks = []
    mixed = mixed_code_states(stats)
    if mixed:
        marks.append(f"{mixed} code states")
    for state, count in stats.states.items():
        if state == "done":
            missing = count - stats.n
            if missing:
                marks.append(f"{missing}× finished, no metric" if missing > 1 else "finished, no metric")
            continue
        if state == "pruned":
            mark = f"pruned@{min(stats.pruned_epochs)}" if stats.pruned_epochs else "pruned"
        else:
            mark = STATE_MARKS.get(state, state)
        marks.append(f"{count}× {mark}" if count > 1 else mark)
    return marks


def cell_text(stats: CellStats | None, fmt: Callable[[float], str]) -> str:
    if stats is None:
        return ""
    text = ""
    if stats.n:
        text = fmt(stats.mean) + (f" ± {fmt(stats.std)}" if stats.std is not None else "")
    marks = state_marks(stats)
    if text and marks:
        return f"{text} ({', '.join(marks)})"
    return text or ", ".join(marks)


def _board_fmt(board: Board) -> Callable[[float], str]:
    return number_format([v for c in board.cells.values() for v in c.values])


def board_rows(board: Board) -> list[list[Cell]]:
    fmt = _board_fmt(board)
    rows = []
    for r in board.row_values:
        line = [Cell(label(r))]
        for c in board.col_values:
            stats = board.cell(r, c)
            line.append(stats_cell(stats, fmt, best=stats is not None and stats.best))
        rows.append(line)
    return rows


def stats_cell(stats: CellStats | None, fmt: Callable[[float], str], best: bool = False) -> Cell:
    """A board cell as a value: its text, whether it wins, and the state that colours it when
    no run of it finished (a cell of NaN'd runs shows as NaN-coloured)."""
    state = ""
    if stats is not None and not stats.n:
        state = next((s for s in stats.states if s != "done"), "")
    return Cell(cell_text(stats, fmt), best=best, state=state)


def board_header(board: Board) -> list[str]:
    corner = f"{board.rows_key} \\ {board.cols_key}" if board.cols_key else board.rows_key
    return [corner] + ([label(c) for c in board.col_values] if board.cols_key else [board.metric])


def best_line(board: Board) -> str:
    if board.best is None:
        return no_value_line(board)
    stats = board.cells[board.best]
    fmt = _board_fmt(board)
    where = " ".join(f"{k}={compact(v)}" for k, v in stats.params.items())
    spread = f" ± {fmt(stats.std)}" if stats.std is not None else ""
    return f"best {board.metric} ({board.direction.short}): {fmt(stats.mean)}{spread} over {stats.n} seed(s) at {where}"


def no_value_line(board: Board) -> str:
    """What a board without a best cell says: nothing finished yet, or runs finished without the
    metric (a command job logging another name), or only runs of another setting reported it."""
    if not board.finished:
        return "no finished run yet"
    if not board.reported:
        runs = f"{board.finished} runs finished, none" if board.finished != 1 else "1 run finished, it did not"
        return (
            f"{runs} reported {board.metric} (see `fertui capture test` / [job] output_scalars, "
            "or `fertui show RUN` for what was captured)"
        )
    return (
        f"no run of the sweep's own setting reported {board.metric} yet; {board.reported} of another "
        "setting did (split cells below)"
    )


def split_lines(board: Board) -> list[str]:
    """The board's split cells, in the board's number format (:func:`split_note`)."""
    return split_note(board.splits, _board_fmt(board))


def isolation_split_lines(iso: Isolation) -> list[str]:
    """The isolation view's split cells, in its table's number format (:func:`split_note`)."""
    return split_note(iso.splits, _iso_fmt(iso))


def split_note(splits: list[CellSplit], fmt: Callable[[float], str]) -> list[str]:
    """One line per cell whose runs differ outside the axes: each variant's value, the differing
    key named (the board shows the sweep's own runs)."""
    if not splits:
        return []
    keys = sorted({k for split in splits for k in split.keys})
    lines = [f"split cells: runs differ in {', '.join(keys)} (the board shows the sweep's own, first):"]
    for split in splits:
        where = " ".join(f"{short_key(k)}={compact(v)}" for k, v in split.params.items())
        parts = []
        for stats in split.parts:
            values = {**split.base_values, **dict(stats.variant)}
            setting = " ".join(f"{short_key(k)}={compact(values[k])}" for k in split.keys)
            runs = f"{len(stats.run_ids)} run{'s' if len(stats.run_ids) != 1 else ''}"
            parts.append(f"{setting} {cell_text(stats, fmt) or 'no value'} ({runs})")
        lines.append(f"  {where}: " + ", ".join(parts))
    return lines


def short_key(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def separated(groups: list[list[str]]) -> list[str]:
    """The non-empty GROUPS of lines with one blank line between them (notes under a table)."""
    out: list[str] = []
    for group in filter(None, groups):
        out += ([""] if out else []) + group
    return out


def variant_text(variant: Variant) -> str:
    """A run's or cell's keys outside the axes where it differs from its sweep (``train.epochs=2``),
    empty for the sweep's own: the column that tells two experiments of one cell apart in CSV."""
    return " ".join(f"{k}={compact(v)}" for k, v in variant)


def split_records(splits: list[CellSplit]) -> list[dict[str, Any]]:
    return [
        {
            "params": s.params,
            "keys": s.keys,
            "parts": [
                {
                    "values": {**s.base_values, **dict(p.variant)},
                    "own": not p.variant,
                    "mean": p.mean,
                    "std": p.std,
                    "n": p.n,
                    "runs": p.run_ids,
                    "code_states": len(p.code_states),
                }
                for p in s.parts
            ],
        }
        for s in splits
    ]


def noise_line(board: Board) -> str | None:
    """The pooled seed noise of the board's cells, when some have replicates."""
    from fertui.sweeps.noise import pooled_sd

    noise = pooled_sd(c.values for c in board.cells.values())
    if noise.sd is None:
        return None
    return (
        f"seed noise: sd {noise.sd:.2f} (pooled within-cell sd over {noise.cells} cell(s) with replicates, "
        f"{noise.df} df)"
    )


def reference_lines(board: Board, refs: ReferenceSet | None) -> list[str]:
    if refs is None:
        return []
    ours = board.cells[board.best].mean if board.best is not None else None
    rows = [(r.method, r.value) for r in refs.rows] + ([(f"{board.sweep} (best)", ours)] if ours is not None else [])
    rows.sort(key=lambda mv: rank_key(board.direction)(mv[1]))
    return [f"{method:24} {value:.2f}" for method, value in rows]


def board_rich(board: Board, refs: ReferenceSet | None = None, width: int | None = None):
    from rich.console import Group
    from rich.text import Text

    tables = plain_tables(board_header(board), board_rows(board), f"{board.sweep}: {board.metric}", width)
    parts = [*tables, Text(inline(best_line(board)))] + [Text(line) for line in [noise_line(board)] if line]
    parts += [Text(inline(line)) for line in split_lines(board)]
    if refs is not None:
        parts.append(Text(f"{refs.display} references ({refs.metric}):", style="bold"))
        parts += [Text(inline("  " + line)) for line in reference_lines(board, refs)]
    return Group(*parts)


def md_table(header: list[str], rows: list[list[Cell | str]]) -> str:
    def esc(cell: Cell | str) -> str:
        text = inline(text_of(cell)).replace("|", "\\|")  # a value a user chose: no escape, no column break
        return f"**{text}**" if is_best(cell) and text else text

    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def board_markdown(board: Board, refs: ReferenceSet | None = None) -> str:
    out = [md_table(board_header(board), board_rows(board)), "", inline(best_line(board))]
    noise = noise_line(board)
    if noise:
        out += ["", noise]
    splits = split_lines(board)
    if splits:
        out += ["", splits[0], ""] + [f"- {line.strip()}" for line in splits[1:]]
    if refs is not None:
        ours = board.cells[board.best].mean if board.best is not None else None
        rows = [[r.method, f"{r.value:.2f}"] for r in refs.rows]
        if ours is not None:
            rows.append([f"**{board.sweep} (best)**", f"**{ours:.2f}**"])
        rows.sort(key=lambda r: rank_key(board.direction)(float(r[1].strip("*"))))
        out += ["", md_table(["Method", f"{refs.display} {refs.metric}"], rows)]
    return "\n".join(out) + "\n"


def board_records(board: Board) -> list[dict[str, Any]]:
    records = []
    for (r, c), stats in board.cells.items():
        records.append(
            {
                board.rows_key: r,
                **({board.cols_key: c} if board.cols_key else {}),
                "mean": stats.mean,
                "std": stats.std,
                "n": stats.n,
                "values": stats.values,
                "states": dict(stats.states),
                "pruned_epochs": stats.pruned_epochs,
                "best": stats.best,
                "params": stats.params,
                "runs": stats.run_ids,
                # Code fingerprints its runs ran (0: none recorded, no git); more than one is marked.
                "code_states": len(stats.code_states),
                "variant": dict(stats.variant),  # {} for the sweep's own setting
            }
        )
    return records


def board_csv(board: Board) -> str:
    """One row per board position (the cell it shows); under a split position, one more row per
    variant the board does not show, its `variant` column naming the setting that differs."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    keys = [board.rows_key] + ([board.cols_key] if board.cols_key else [])
    # code_states and variant last: a reader that takes the columns by position still finds the others.
    writer.writerow(keys + ["mean", "std", "n", "states", "best", "code_states", "variant"])
    shown_cells = [id(c) for c in board.cells.values()]
    hidden: dict[tuple, list[CellStats]] = {}
    for split in board.splits:
        for part in split.parts:
            if part.variant and id(part) not in shown_cells:
                hidden.setdefault(board_position(part, board.rows_key, board.cols_key), []).append(part)
    for pos, stats in board.cells.items():
        for cell in [stats, *hidden.get(pos, [])]:
            states = ";".join(f"{k}={v}" for k, v in sorted(cell.states.items()))
            writer.writerow(
                [shown(v) for v in pos[: len(keys)]]
                + [_num(cell.mean), _num(cell.std), cell.n, states, int(cell.best), len(cell.code_states)]
                + [shown(variant_text(cell.variant))]
            )
    return buf.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)


def board_json(board: Board, refs: ReferenceSet | None = None) -> dict[str, Any]:
    return {
        "sweep": board.sweep,
        "metric": board.metric,
        "maximize": board.maximize,
        "rows": board.rows_key,
        "cols": board.cols_key,
        "best": _best_record(board),
        "cells": board_records(board),
        "splits": split_records(board.splits),
        "references": [{"method": r.method, "value": r.value} for r in refs.rows] if refs else [],
    }


def _best_record(board: Board) -> dict | None:
    return next((rec for rec in board_records(board) if rec["best"]), None)


def _iso_fmt(iso: Isolation) -> Callable[[float], str]:
    return number_format([v for r in iso.rows if r.stats for v in r.stats.values])


def isolation_rows(iso: Isolation) -> tuple[list[str], list[list[Cell]]]:
    fmt = _iso_fmt(iso)
    header = [iso.key, f"best {iso.metric}", "at " + ", ".join(iso.nuisance) if iso.nuisance else "at", "cells tried"]
    rows = []
    for row in iso.rows:
        at = (
            " ".join(f"{k.split('.')[-1]}={compact(row.stats.params.get(k))}" for k in iso.nuisance)
            if row.stats
            else ""
        )
        rows.append([Cell(label(row.value)), stats_cell(row.stats, fmt, best=row.best), Cell(at), Cell(str(row.tried))])
    return header, rows


def compare_rows(cmp: Comparison) -> tuple[list[str], list[list[Cell]]]:
    fmt = number_format([v for row in cmp.rows for s in row.stats.values() for v in s.values])
    header = [cmp.across, *[keyed_label(cmp.by, b) for b in cmp.by_values], "winner"]
    rows = []
    for row in cmp.rows:
        cells = [stats_cell(row.stats.get(b), fmt, best=b == row.winner) for b in cmp.by_values]
        winner = keyed_label(cmp.by, row.winner) if row.winner is not None else "—"
        rows.append([Cell(label(row.across_value)), *cells, Cell(winner)])
    rows.append([Cell("wins"), *[Cell(str(cmp.wins.get(b, 0))) for b in cmp.by_values], Cell("")])
    return header, rows


def pair_lines(cmp: Comparison, command: str = "") -> list[str]:
    """Per pair: the verdict, then the interaction test, best vs best, planning and the method."""
    from fertui.sweeps.verdict import detail_lines, verdict

    lines = []
    for p in cmp.pairs:
        lines += [verdict(cmp, p, command), *detail_lines(cmp, p, command)]
    return lines


def plain_tables(header: list[str], rows: list[list[Cell | str]], title: str = "", width: int | None = None) -> list:
    """Rich tables of ROWS that fit WIDTH: more columns than fit continue in a table below,
    each repeating the first column (None: one table, however wide)."""
    from rich import box
    from rich.table import Table

    from fertui.columns import column_blocks

    header = [inline(h) for h in header]  # names and axis values a user chose: no terminal escapes
    widths = [max([len(header[i]), *(_shown_len(row[i]) for row in rows)]) for i in range(len(header))]
    blocks = column_blocks(widths, width - 1 if width else None, overhead=3)  # "│ x " per column, one "│" closing
    tables = []
    for n, block in enumerate(blocks):
        more = f" ({n + 1}/{len(blocks)})" if len(blocks) > 1 else ""
        table = Table(title=(inline(title) + more) if title else None, header_style="bold", box=box.SQUARE)
        for i in [0, *block]:
            table.add_column(header[i], justify="left" if i == 0 else "right", no_wrap=True)
        for row in rows:
            table.add_row(*[rich_cell(row[i]) for i in [0, *block]])
        tables.append(table)
    return tables


def _shown_len(cell: Cell | str) -> int:
    return len(text_of(cell)) + (2 if is_best(cell) else 0)  # the " *" mark of a winner


def rich_cell(cell: Cell | str):
    """A cell for Rich: a winner in bold green with a star (seen without colour too), a cell of
    failed or NaN'd runs in its state's colour."""
    from rich.text import Text

    from fertui.presentation import STATUS_STYLE

    text = inline(text_of(cell))  # axis values and names a user chose: no terminal escapes
    if is_best(cell) and text:
        return Text(text + " *", style="bold green")
    return Text(text, style=STATUS_STYLE.get(cell.state, "") if isinstance(cell, Cell) else "")


def rows_csv(header: list[str], rows: list[list[Cell | str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([inline(h) for h in header])
    writer.writerows([inline(text_of(c)) for c in row] for row in rows)
    return buf.getvalue()


def shown(value: Any) -> Any:
    """VALUE, if text, without terminal escapes (an axis value or name a user chose)."""
    return inline(value) if isinstance(value, str) else value
