"""Boards, isolation views, comparisons and suggestions as Rich tables, markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Callable

from fertui.config import compact
from fertui.sweeps.board import Board, CellStats, Isolation
from fertui.sweeps.compare import Comparison
from fertui.sweeps.references import ReferenceSet

STATE_MARKS = {"nan": "NaN", "failed": "failed", "oom": "OOM", "lost": "lost", "running": "running",
               "queued": "queued", "cancelled": "cancelled"}


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


def state_marks(stats: CellStats) -> list[str]:
    marks = []
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


def board_rows(board: Board, bold: Callable[[str], str]) -> list[list[str]]:
    fmt = _board_fmt(board)
    rows = []
    for r in board.row_values:
        line = [label(r)]
        for c in board.col_values:
            stats = board.cell(r, c)
            text = cell_text(stats, fmt)
            line.append(bold(text) if stats is not None and stats.best else text)
        rows.append(line)
    return rows


def board_header(board: Board) -> list[str]:
    corner = f"{board.rows_key} \\ {board.cols_key}" if board.cols_key else board.rows_key
    return [corner] + ([label(c) for c in board.col_values] if board.cols_key else [board.metric])


def best_line(board: Board) -> str:
    if board.best is None:
        return "no finished run yet"
    stats = board.cells[board.best]
    fmt = _board_fmt(board)
    where = " ".join(f"{k}={compact(v)}" for k, v in stats.params.items())
    spread = f" ± {fmt(stats.std)}" if stats.std is not None else ""
    direction = "max" if board.maximize else "min"
    return f"best {board.metric} ({direction}): {fmt(stats.mean)}{spread} over {stats.n} seed(s) at {where}"


def noise_line(board: Board) -> str | None:
    """The pooled seed noise of the board's cells, when some have replicates."""
    from fertui.sweeps.noise import pooled_sd

    noise = pooled_sd(c.values for c in board.cells.values())
    if noise.sd is None:
        return None
    return (f"seed noise: sd {noise.sd:.2f} (pooled within-cell sd over {noise.cells} cell(s) with replicates, "
            f"{noise.df} df)")


def reference_lines(board: Board, refs: ReferenceSet | None) -> list[str]:
    if refs is None:
        return []
    ours = board.cells[board.best].mean if board.best is not None else None
    rows = [(r.method, r.value) for r in refs.rows] + ([(f"{board.sweep} (best)", ours)] if ours is not None else [])
    rows.sort(key=lambda mv: mv[1], reverse=board.maximize)
    return [f"{method:24} {value:.2f}" for method, value in rows]


def board_rich(board: Board, refs: ReferenceSet | None = None):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{board.sweep}: {board.metric}", header_style="bold")
    for i, name in enumerate(board_header(board)):
        table.add_column(name, justify="left" if i == 0 else "right", overflow="fold")
    for line in board_rows(board, bold=rich_bold):
        table.add_row(*[rich_cell(c) for c in line])
    parts = [table, Text(best_line(board))] + [Text(line) for line in [noise_line(board)] if line]
    if refs is not None:
        parts.append(Text(f"{refs.display} references ({refs.metric}):", style="bold"))
        parts += [Text("  " + line) for line in reference_lines(board, refs)]
    return Group(*parts)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def board_markdown(board: Board, refs: ReferenceSet | None = None) -> str:
    out = [md_table(board_header(board), board_rows(board, bold=lambda t: f"**{t}**")), "", best_line(board)]
    noise = noise_line(board)
    if noise:
        out += ["", noise]
    if refs is not None:
        ours = board.cells[board.best].mean if board.best is not None else None
        rows = [[r.method, f"{r.value:.2f}"] for r in refs.rows]
        if ours is not None:
            rows.append([f"**{board.sweep} (best)**", f"**{ours:.2f}**"])
        rows.sort(key=lambda r: float(r[1].strip("*")), reverse=board.maximize)
        out += ["", md_table(["Method", f"{refs.display} {refs.metric}"], rows)]
    return "\n".join(out) + "\n"


def board_records(board: Board) -> list[dict[str, Any]]:
    records = []
    for (r, c), stats in board.cells.items():
        records.append({board.rows_key: r, **({board.cols_key: c} if board.cols_key else {}),
                        "mean": stats.mean, "std": stats.std, "n": stats.n, "values": stats.values,
                        "states": dict(stats.states), "pruned_epochs": stats.pruned_epochs,
                        "best": stats.best, "params": stats.params, "runs": stats.run_ids})
    return records


def board_csv(board: Board) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    keys = [board.rows_key] + ([board.cols_key] if board.cols_key else [])
    writer.writerow(keys + ["mean", "std", "n", "states", "best"])
    for rec in board_records(board):
        states = ";".join(f"{k}={v}" for k, v in sorted(rec["states"].items()))
        writer.writerow([rec[k] for k in keys] + [_num(rec["mean"]), _num(rec["std"]), rec["n"], states,
                                                  int(rec["best"])])
    return buf.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)


def board_json(board: Board, refs: ReferenceSet | None = None) -> dict[str, Any]:
    return {"sweep": board.sweep, "metric": board.metric, "maximize": board.maximize, "rows": board.rows_key,
            "cols": board.cols_key, "best": _best_record(board),
            "cells": board_records(board),
            "references": [{"method": r.method, "value": r.value} for r in refs.rows] if refs else []}


def _best_record(board: Board) -> dict | None:
    return next((rec for rec in board_records(board) if rec["best"]), None)


def isolation_rows(iso: Isolation, bold: Callable[[str], str]) -> tuple[list[str], list[list[str]]]:
    fmt = number_format([v for r in iso.rows if r.stats for v in r.stats.values])
    header = [iso.key, f"best {iso.metric}", "at " + ", ".join(iso.nuisance) if iso.nuisance else "at", "cells tried"]
    rows = []
    for row in iso.rows:
        text = cell_text(row.stats, fmt)
        at = " ".join(f"{k.split('.')[-1]}={compact(row.stats.params.get(k))}" for k in iso.nuisance) if row.stats else ""
        rows.append([label(row.value), bold(text) if row.best else text, at, str(row.tried)])
    return header, rows


def compare_rows(cmp: Comparison, bold: Callable[[str], str]) -> tuple[list[str], list[list[str]]]:
    fmt = number_format([v for row in cmp.rows for s in row.stats.values() for v in s.values])
    header = [cmp.across, *[keyed_label(cmp.by, b) for b in cmp.by_values], "winner"]
    rows = []
    for row in cmp.rows:
        cells = []
        for b in cmp.by_values:
            text = cell_text(row.stats.get(b), fmt)
            cells.append(bold(text) if b == row.winner and text else text)
        rows.append([label(row.across_value), *cells, keyed_label(cmp.by, row.winner) if row.winner is not None else "—"])
    rows.append(["wins", *[str(cmp.wins.get(b, 0)) for b in cmp.by_values], ""])
    return header, rows


def pair_lines(cmp: Comparison, command: str = "") -> list[str]:
    """Per pair: the verdict, then the interaction test, best vs best, planning and the method."""
    from fertui.sweeps.verdict import detail_lines, verdict

    lines = []
    for p in cmp.pairs:
        lines += [verdict(cmp, p, command), *detail_lines(cmp, p, command)]
    return lines


def plain_table(header: list[str], rows: list[list[str]], title: str = ""):
    from rich.table import Table

    table = Table(title=title or None, header_style="bold")
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i == 0 else "right", overflow="fold")
    for row in rows:
        table.add_row(*[rich_cell(c) for c in row])
    return table


RICH_BOLD = "\x00"  # prefix a cell with this (bold=rich_bold) to show it bold green in Rich


def rich_bold(text: str) -> str:
    return RICH_BOLD + text


def rich_cell(text: str) -> str:
    from rich.markup import escape

    return f"[bold green]{escape(text[1:])} *[/]" if text.startswith(RICH_BOLD) else escape(text)


def rows_csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
