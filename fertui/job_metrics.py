"""The metrics fertui's own jobs report, known before they run.

The built-in trainer (``[job] kind = "train"``) and the benchmark job (``"bench"``) always report
the same names, so a sweep objective they never report (``val/accc``) is a mistake found when the
sweep is queued, not after every one of its runs ended without it. A command job's metrics are its
own business: those are watched while it runs instead (fertui.scheduler.objective_watch).

Stdlib only. tests/train checks these names against what the real jobs write.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

_VALIDATION = ("val/acc", "val/mean_class_acc", "val/loss")


@dataclass(frozen=True)
class JobMetrics:
    """What one kind of built-in job reports: log metrics, and the values of its summary event."""

    job: str  # how a message names the job
    logged: tuple[str, ...]
    summary: tuple[str, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset((*self.logged, *self.summary))


BUILT_IN_JOBS: dict[str, JobMetrics] = {
    # fertui.train.loop (per step and per epoch, from fertui.train.evaluate) and its finish()
    "train": JobMetrics(
        "built-in trainer",
        logged=(*_VALIDATION, "train/loss", "train/lr", "perf/img_per_s", "sys/gpu_mem_mb"),
        summary=(*(f"best/{m}" for m in _VALIDATION), "best_epoch", "epochs_done", "step"),
    ),
    # fertui.bench.__main__: one log event per measured row, then the best row's summary
    "bench": JobMetrics(
        "benchmark job",
        logged=("perf/img_per_s", "perf/ms_per_step", "sys/memory_mb", "bench/batch_size"),
        summary=("best_batch_size", "rows", "oom_rows"),
    ),
}


def objective_problem(kind: str, objective: str) -> str | None:
    """Why OBJECTIVE can never be reported by a KIND job, with a did-you-mean; None when it can
    be, or when KIND is not a built-in job (a command job reports what it likes)."""
    job = BUILT_IN_JOBS.get(kind)
    if job is None or objective in job.names:
        return None
    close = difflib.get_close_matches(objective, sorted(job.names), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"the {job.job} never reports {objective!r}{hint}; it reports {', '.join(job.logged)}"
