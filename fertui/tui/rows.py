"""Plain-text cells of the runs and queue tables, computed from run documents (no Textual)."""

from __future__ import annotations

import fnmatch
import math
import time
from typing import Any

from fertui.run_summary import last_loss, waiting_text
from fertui.store import FINAL_STATES, status_text

RUN_COLUMNS = (  # (key, label): the most looked-at columns first so 80 columns show them
    ("id", "id"), ("name", "name"), ("status", "status"), ("progress", "progress"),
    ("loss", "loss"), ("best", "best"), ("img_s", "img/s"), ("eta", "ETA"), ("slot", "slot"),
    ("model", "model"), ("params", "params"),
)
NAME_WIDTH = 30
STATUS_STYLE = {
    "queued": "cyan", "running": "bold blue", "done": "green", "failed": "bold red",
    "nan": "bold magenta", "oom": "red", "cancelled": "yellow", "pruned": "dim", "lost": "red", "held": "yellow",
}


def fmt_num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.4g}"


def fmt_duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        return ""
    s = int(seconds)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def fmt_time(stamp: Any) -> str:
    if not isinstance(stamp, (int, float)):
        return ""
    return time.strftime("%m-%d %H:%M:%S", time.localtime(stamp))


def middle_cut(text: str, width: int = NAME_WIDTH) -> str:
    """Names differ at both ends (model prefix, LR suffix): keep both, cut the middle."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[-(width - 1 - head):]


def short_key(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def key_params(run: dict) -> str:
    params = run.get("params") or {}
    return " ".join(f"{short_key(k)}={fmt_num(v)}" for k, v in params.items()
                    if not (short_key(k) == "seed" and v == 0))  # seed 0 is every sweep's default


def objective(run: dict) -> str:
    summary = run.get("summary") or {}
    sweep_obj = ((run.get("config") or {}).get("sweep") or {}).get("objective")
    return summary.get("objective") or sweep_obj or "val/acc"


def progress(run: dict) -> str:
    s = run.get("summary") or {}
    epochs, epoch, step = s.get("epochs"), s.get("epoch"), s.get("step")
    if epochs:
        done = epoch or 0
        if isinstance(s.get("progress"), (int, float)) and run.get("status") == "running":
            return f"{s['progress'] * epochs:.1f}/{epochs}"
        return f"{fmt_num(done)}/{epochs}"
    if step is not None:
        return f"s{step}"
    return ""


def model_name(run: dict) -> str:
    model = (run.get("config") or {}).get("model") or {}
    name = model.get("name")
    if not name or run.get("kind") == "command":  # a command job's model section is only defaults
        return run.get("kind", "")
    return f"{name}/{model['depth']}" if "depth" in model else str(name)


def run_cells(run: dict) -> dict[str, str]:
    """Every column of RUN_COLUMNS as plain text; equal dicts mean nothing to redraw."""
    s = run.get("summary") or {}
    best = (s.get("best") or {}).get(objective(run))
    running = run.get("status") == "running"
    slot = run.get("slot")
    return {
        "id": run["id"],
        "name": middle_cut(run.get("name") or ""),
        "status": status_text(run),
        "progress": progress(run) or waiting_text(run),
        "loss": fmt_num(last_loss(s)),
        "best": fmt_num(best),
        "img_s": fmt_num(s.get("img_per_s")) if s.get("img_per_s") is not None else "",
        "eta": fmt_duration(s.get("eta_s")) if running else "",
        "slot": "" if slot is None else str(slot),
        "model": model_name(run),
        "params": key_params(run),
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
    numeric = {"loss": last_loss(s), "best": (s.get("best") or {}).get(objective(run)),
               "img_s": s.get("img_per_s"), "eta": s.get("eta_s")}
    if column in numeric:
        v = numeric[column]
        ok = isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))
        return (0, v) if ok else (-1 if reverse else 1, 0)
    return (0, cells.get(column, ""))
