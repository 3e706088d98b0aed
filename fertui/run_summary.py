"""What a run's summary says at a glance, read the same way by `ls`, `fertui run` and the console."""

from __future__ import annotations

from typing import Any


def last_loss(summary: dict) -> Any:
    """The loss to show: train/loss when reported, else the first metric named like a loss."""
    last = summary.get("last") or {}
    if "train/loss" in last:
        return last["train/loss"]
    return next((v for k, v in last.items() if "loss" in k), None)


def best_entry(run: dict) -> tuple[str, Any] | None:
    """(metric, best value) to show for RUN: its objective, else val/acc, else the first metric it
    reported (a command job outside a sweep has no objective); None before any value."""
    s = run.get("summary") or {}
    best = s.get("best") or {}
    metric = s.get("objective") or ("val/acc" if "val/acc" in best else next(iter(best), None))
    if metric not in best:  # e.g. a run that went NaN before its first validation
        return None
    return metric, best[metric]


def best_text(run: dict, sep: str = "=") -> str:
    """RUN's best as ``metric=value`` (4 significant digits; SEP between), "" before any value."""
    entry = best_entry(run)
    if entry is None:
        return ""
    metric, value = entry
    return f"{metric}{sep}{value:.4g}" if isinstance(value, float) else f"{metric}{sep}{value}"


def waiting_text(run: dict) -> str:
    """Why a queued run has not started (the scheduler notes it: a colleague's GPU, a full one), or ""."""
    reason = run.get("waiting")
    return f"waiting: {reason}" if run.get("status") == "queued" and reason else ""
