"""A command job that runs on without reporting its objective is told about while it runs.

fertui knows a command job's metrics only from what it captures of its output. An objective that
never appears (a typo in the sweep, a pattern that matches nothing, a metric printed under another
name) would otherwise show only when the run ends ``done (no val/acc)``: a night of GPU time later.
Waiting longer is pointless once the job has

- finished its first epoch: it logged a later epoch than its first, and validation runs at the
  end of an epoch; or
- run ``[job] objective_alert_after`` minutes (0: this rule is off), having reported other metrics
  (or being a sweep's run, whose objective was asked for by name).

The built-in jobs need no watch: their objective is checked at queue time (fertui.job_metrics).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

SHOWN_NAMES = 8  # captured metric names listed in the alert; the closest to the objective first


@dataclass(frozen=True)
class MissingObjective:
    """Why a running job's objective is overdue, and what it reported instead."""

    metric: str
    captured: tuple[str, ...]
    after: str  # "its first epoch" or "30 minutes"

    def message(self, run_name: str, output_scalars: object) -> str:
        shown = ", ".join(self.captured[:SHOWN_NAMES]) + (", ..." if len(self.captured) > SHOWN_NAMES else "")
        instead = f"captured instead: {shown}" if self.captured else "nothing captured"
        return (
            f"{run_name}: no {self.metric} after {self.after} ({instead}); the run goes on, but "
            f"a board or Optuna cannot use it: print '{self.metric}: <value>', or set [job] "
            f"output_scalars (now {output_scalars!r}) / metrics_map / metrics_csv so fertui reads it"
        )


def ended_without_message(run_name: str, sweep: str, metric: str) -> str:
    """The alert for a sweep's run that ended without reporting METRIC (when none came before)."""
    return (
        f"{run_name} (sweep {sweep}) finished without reporting {metric}, so Optuna was told FAIL: print "
        f"it (e.g. '{metric}: 0.81'), or set [job] output_scalars / metrics_map / metrics_csv so fertui "
        f"can read it; `fertui reingest {run_name} --set job.output_scalars=...` re-reads this run "
        "(see docs/capture.md)"
    )


def missing_objective(
    metric: str,
    captured: Collection[str],
    *,
    first_epoch: float | None,
    latest_epoch: float | None,
    running_s: float,
    alert_after_s: float,
    asked_for: bool,
) -> MissingObjective | None:
    """Whether a running job is overdue with METRIC, given the metric names CAPTURED so far, the
    first and the latest epoch it logged, how long it has run, and whether its objective was
    ASKED_FOR by name (a sweep's) rather than the default one. None while it may still come."""
    if metric in captured:
        return None
    if first_epoch is not None and latest_epoch is not None and latest_epoch >= first_epoch + 1:
        return MissingObjective(metric, _closest_first(metric, captured), "its first epoch")
    if alert_after_s > 0 and running_s >= alert_after_s and (captured or asked_for):
        return MissingObjective(metric, _closest_first(metric, captured), f"{alert_after_s / 60:g} minutes")
    return None


def _closest_first(metric: str, names: Collection[str]) -> tuple[str, ...]:
    close = difflib.get_close_matches(metric, list(names), n=max(1, len(names)), cutoff=0.4)
    return (*close, *sorted(n for n in names if n not in close))
