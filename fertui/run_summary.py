"""What a run's summary says at a glance, read the same way by `ls`, `fertui run` and the console.

Reads the typed records of :mod:`fertui.records`; which metric is the run's best and which way
is better are decided there and in :mod:`fertui.metrics`, not here.
"""

from __future__ import annotations

from typing import Any

from fertui.records import RunRecord, RunSummary


def last_loss(summary: dict) -> Any:
    """The loss to show: train/loss when reported, else the first metric named like a loss."""
    last = RunSummary.from_dict(summary).last
    if "train/loss" in last:
        return last["train/loss"]
    return next((v for k, v in last.items() if "loss" in k), None)


def best_entry(run: dict | RunRecord) -> tuple[str, Any] | None:
    """(metric, best value) to show for RUN (see :meth:`RunRecord.best_entry`)."""
    record = run if isinstance(run, RunRecord) else RunRecord.from_dict(run)
    return record.best_entry()


def best_text(run: dict | RunRecord, sep: str = "=") -> str:
    """RUN's best as ``metric=value`` (4 significant digits; SEP between), "" before any value."""
    entry = best_entry(run)
    if entry is None:
        return ""
    metric, value = entry
    return f"{metric}{sep}{value:.4g}" if isinstance(value, float) else f"{metric}{sep}{value}"


def waiting_text(run: dict) -> str:
    """Why a queued run has not started (the scheduler notes it: a colleague's GPU, a full one), or ""."""
    reason = run.get("waiting")
    if not reason or run.get("status") not in ("queued", "held"):
        return ""
    return f"waiting: {reason}" if run["status"] == "queued" else reason  # held: why (fertui.depends)
