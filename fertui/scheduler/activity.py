"""When a running job last showed life (an event or an output line, and for a job on GPUs a
non-zero utilisation), and when silence means it is stalled: ``[job] stall_after``, or by
default five times its own slowest gap so far and never under ten minutes (a job that validates
every 20 minutes is not stalled after 10)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MIN_STALL_S = 600.0
PACE_FACTOR = 5.0


@dataclass
class Activity:
    last: float = field(default_factory=time.time)
    slowest_gap: float = 0.0
    output_size: int = 0
    stalled: bool = False  # alerted for the current silence
    gpu_busy: float = field(default_factory=time.time)  # when its GPUs were last seen working
    gpu_looked: float = 0.0
    gpu_stalled: bool = False

    def observe(self, now: float, active: bool, output_size: int) -> float:
        """Record a look at the job (ACTIVE: it wrote something); the seconds it has been quiet."""
        if active:
            self.slowest_gap = max(self.slowest_gap, now - self.last)
            self.last, self.output_size, self.stalled = now, output_size, False
        return now - self.last

    def stall_limit(self, explicit_s: float | None) -> float:
        return explicit_s if explicit_s else max(MIN_STALL_S, PACE_FACTOR * self.slowest_gap)


def span(seconds: float) -> str:
    """ "45 s", "12 min", "3.5 h": a stall's length in an alert line."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"
