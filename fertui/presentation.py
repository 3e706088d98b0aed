"""How a run and a table cell are shown: the one owner of that text for every front end.

``fertui ls``, ``fertui run`` (live view and summary) and the console's runs table all show a
run through ``present(run)``: the same status colour, progress, duration, key parameters and
best value, so one run reads the same wherever it is seen. Which metric is "best" comes from
``run_summary.best_entry`` (the metric direction has its own owner, ``fertui.metrics``).

Table cells that carry more than text (a winning board cell, a NaN'd run) are ``Cell`` values;
each front end decides how to show them (bold in Rich, ``**x**`` in markdown, a class in HTML).

No Textual and no Typer here; stdlib only, so ``fertui ls`` stays light.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from typing import Any

from fertui.metrics import DEFAULT_OBJECTIVE, display_name
from fertui.records import RunRecord
from fertui.run_summary import best_entry, last_loss, waiting_text
from fertui.terminal_text import inline

STATUS_STYLE = {
    "queued": "cyan",
    "running": "bold blue",
    "done": "green",
    "failed": "bold red",
    "nan": "bold magenta",
    "oom": "red",
    "cancelled": "yellow",
    "pruned": "dim",
    "lost": "red",
    "held": "yellow",
}
BAD_STATES = ("failed", "nan", "oom", "lost")
COMMAND_PARAMS_WIDTH = 40  # a command job's argv stands in for its params; its start says enough


@dataclass(frozen=True)
class Cell:
    """One table cell: its TEXT, whether it is the table's BEST (the winner), and the run STATE
    behind it when that state should colour it (``nan``, ``failed``; "" for none)."""

    text: str
    best: bool = False
    state: str = ""


def text_of(cell: Cell | str) -> str:
    return cell.text if isinstance(cell, Cell) else cell


def is_best(cell: Cell | str) -> bool:
    return isinstance(cell, Cell) and cell.best


@dataclass(frozen=True)
class RunLine:
    """A run as every runs table shows it; equal lines mean nothing to redraw."""

    id: str
    name: str
    status: str  # the state as people read it, e.g. ``done (no val/acc)``
    state: str  # the bare state, which picks the colour
    progress: str
    duration: str
    params: str
    best: str  # ``val/acc 71.25``: the metric and its best value
    best_metric: str
    best_value: str
    loss: str
    eta: str
    slot: str
    model: str
    sweep: str
    age: str
    nan: bool  # the run went NaN: its loss shows as NaN in the NaN colour

    @property
    def style(self) -> str:
        return STATUS_STYLE.get(self.state, "")

    def cells(self) -> dict[str, str]:
        """Every text field, with terminal escapes and control characters taken out: names,
        sweeps and parameter values are user text and reach terminals as they are."""
        return {f.name: inline(getattr(self, f.name)) for f in fields(self) if isinstance(getattr(self, f.name), str)}


def present(run: dict, now: float | None = None) -> RunLine:
    """RUN (a store document) as a RunLine; NOW is the clock for running durations and ages."""
    now = time.time() if now is None else now
    s = run.get("summary") or {}
    state = run.get("status", "")
    slot = run.get("slot")
    created = run.get("created")
    entry = best_entry(run)
    metric, value = entry if entry else ("", "")
    return RunLine(
        id=str(run["id"]),
        name=run.get("name") or "",
        status=status_text(run),
        state=state,
        progress=progress_text(run) or waiting_text(run),
        duration=duration_text(run, now),
        params=params_text(run),
        best=f"{metric} {fmt_num(value)}" if entry else "",
        best_metric=metric,
        best_value=fmt_num(value),
        loss=fmt_num(last_loss(s)),
        eta=fmt_duration(s.get("eta_s")) if state == "running" else "",
        slot="" if slot is None else str(slot),
        model=model_text(run),
        sweep=run.get("sweep") or "",
        age=fmt_duration(now - created, coarse=True) if isinstance(created, (int, float)) else "",
        nan=s.get("nan_step") is not None or state == "nan",
    )


def with_shared_best(lines: list[RunLine], label: str = "best") -> tuple[str, list[dict[str, str]]]:
    """The best column's label and every line's cells: when all the bests are of one metric, the
    header is that metric (``val/acc``) and the cells hold the values alone, else LABEL."""
    metrics = {line.best_metric for line in lines if line.best_metric}
    rows = [line.cells() for line in lines]
    if len(metrics) != 1:
        return label, rows
    for row, line in zip(rows, lines):
        row["best"] = line.best_value
    return display_name(metrics.pop()), rows


def status_text(run: dict) -> str:
    """The state as people read it: ``done (no val/acc)`` for a sweep run that finished without
    ever reporting its sweep's objective (the scheduler records ``no_metric``)."""
    status = run.get("status", "")
    return f"{status} (no {run['no_metric']})" if status == "done" and run.get("no_metric") else status


def fmt_num(value: Any) -> str:
    """A number for a table: 4 significant digits, integers and big numbers whole, NaN as NaN."""
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


def fmt_duration(seconds: Any, coarse: bool = False) -> str:
    """``45s``, ``2m05s``, ``1h07m`` (COARSE: the largest unit only, ``3d``, for ages)."""
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        return ""
    s = int(seconds)
    if coarse:
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if s >= size:
                return f"{s // size}{unit}"
        return f"{s}s"
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def middle_cut(text: str, width: int) -> str:
    """Names differ at both ends (model prefix, LR suffix): keep both, cut the middle."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def end_cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"[:width]


def progress_text(run: dict) -> str:
    """``ep 2/4`` (a running run: the fraction of the epoch too, ``ep 2.5/4``), else ``step 120``."""
    s = run.get("summary") or {}
    epochs, epoch, step = s.get("epochs"), s.get("epoch"), s.get("step")
    if epochs:
        fraction = s.get("progress")
        if isinstance(fraction, (int, float)) and run.get("status") == "running":
            return f"ep {fraction * epochs:.1f}/{epochs}"
        return f"ep {fmt_num(epoch or 0)}/{epochs}"
    if epoch is not None:
        return f"ep {fmt_num(epoch)}"
    return f"step {step}" if step is not None else ""


def progress_fraction(run: dict) -> float:
    value = (run.get("summary") or {}).get("progress")
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def duration_text(run: dict, now: float | None = None) -> str:
    """How long the run has run: started → ended, or → NOW while it runs; "" before it starts.
    A run resumed in place counts from its first start (its attempts and the gaps between)."""
    started, ended = run.get("first_started") or run.get("started"), run.get("ended")
    if not isinstance(started, (int, float)):
        return ""
    end = ended if isinstance(ended, (int, float)) else (time.time() if now is None else now)
    return fmt_duration(end - started)


def params_text(run: dict) -> str:
    """The settings that tell runs apart: a sweep run's varied keys (short names), a command
    job's argv, else the model, depth and LR of a built-in job."""
    from fertui.config.template import compact  # config's package init loads the TOML machinery

    params = run.get("params") or {}
    if params:
        return " ".join(
            f"{short_key(k)}={compact(v)}" for k, v in params.items() if not (short_key(k) == "seed" and v == 0)
        )  # seed 0 is every sweep's default
    if run.get("kind") == "command":
        argv = list(run.get("command") or [])
        if argv:  # the program's name, not where it is installed (/home/me/.venv/bin/python)
            argv[0] = argv[0].rsplit("/", 1)[-1]
        return end_cut(" ".join(argv), COMMAND_PARAMS_WIDTH)
    config = run.get("config") or {}
    model, optim = config.get("model") or {}, config.get("optim") or {}
    bits = [str(model["name"])] if model.get("name") else []
    bits += [f"depth={compact(model['depth'])}"] if "depth" in model else []
    bits += [f"lr={compact(optim['lr'])}"] if "lr" in optim else []
    return " ".join(bits)


def short_key(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def best_value(run: dict) -> Any:
    """RUN's best as a number (for sorting), None before any value."""
    entry = best_entry(run)
    return None if entry is None else entry[1]


def objective_name(run: dict) -> str:
    """The metric RUN's best is shown for (its objective once it has a value)."""
    entry = best_entry(run)
    if entry:
        return entry[0]
    found = RunRecord.from_dict(run).objective()  # the sweep's, else the job's (fertui.records)
    return found.metric if found is not None else DEFAULT_OBJECTIVE


def model_text(run: dict) -> str:
    model = (run.get("config") or {}).get("model") or {}
    name = model.get("name")
    if not name or run.get("kind") == "command":  # a command job's model section is only defaults
        return run.get("kind", "")
    return f"{name}/{model['depth']}" if "depth" in model else str(name)
