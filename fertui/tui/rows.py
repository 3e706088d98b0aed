"""Plain-text cells of the runs and queue tables, computed from run documents (no Textual)."""

from __future__ import annotations

import fnmatch
import math
import time
from typing import Any

from fertui.presentation import best_value, fmt_num, middle_cut, present
from fertui.run_summary import last_loss
from fertui.store import FINAL_STATES

RUN_COLUMNS = (  # (key, label): the most looked-at columns first so 80 columns show them
    ("id", "id"),
    ("name", "name"),
    ("status", "status"),
    ("progress", "progress"),
    ("loss", "loss"),
    ("best", "best"),
    ("duration", "time"),
    ("img_s", "img/s"),
    ("eta", "ETA"),
    ("slot", "slot"),
    ("model", "model"),
    ("params", "params"),
)
NAME_WIDTH = 30


def fmt_time(stamp: Any) -> str:
    if not isinstance(stamp, (int, float)):
        return ""
    return time.strftime("%m-%d %H:%M:%S", time.localtime(stamp))


def run_cells(run: dict, now: float | None = None) -> dict[str, str]:
    """Every column of RUN_COLUMNS as plain text (``fertui.presentation``'s, as ``ls`` shows
    them); equal dicts mean nothing to redraw."""
    line = present(run, now)
    s = run.get("summary") or {}
    cells = line.cells()
    return {
        **{key: cells.get(key, "") for key, _ in RUN_COLUMNS},
        "name": middle_cut(line.name, NAME_WIDTH),
        "img_s": fmt_num(s.get("img_per_s")) if s.get("img_per_s") is not None else "",
    }


def name_matches(run: dict, pattern: str) -> bool:
    """``/`` filter: a glob on the run name (a plain word matches as a substring)."""
    if not pattern:
        return True
    glob = pattern if any(c in pattern for c in "*?[") else f"*{pattern}*"
    return fnmatch.fnmatchcase((run.get("name") or "").lower(), glob.lower())


def shown_runs(runs: dict[str, dict], pattern: str, finished_limit: float) -> tuple[dict[str, dict], int]:
    """The Runs table's rows: every active run and the newest FINISHED_LIMIT finished ones that
    match PATTERN (a table of 10,000 rows takes Textual seconds to fill), and how many matching
    finished runs were left out (``o`` shows more)."""
    matching = {rid: r for rid, r in runs.items() if name_matches(r, pattern)}
    finished = [rid for rid, r in matching.items() if r.get("status") in FINAL_STATES]
    if len(finished) <= finished_limit:
        return matching, 0
    dropped = set(sorted(finished, key=int)[: len(finished) - int(finished_limit)])
    return {rid: r for rid, r in matching.items() if rid not in dropped}, len(dropped)


def sort_value(cells: dict[str, str], run: dict, column: str, reverse: bool = False) -> Any:
    """Numbers sort as numbers; blanks last in either direction (REVERSE: the sort is descending)."""
    s = run.get("summary") or {}
    numeric = {"loss": last_loss(s), "best": best_value(run), "img_s": s.get("img_per_s"), "eta": s.get("eta_s")}
    if column in numeric:
        v = numeric[column]
        ok = isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))
        return (0, v) if ok else (-1 if reverse else 1, 0)
    return (0, cells.get(column, ""))
