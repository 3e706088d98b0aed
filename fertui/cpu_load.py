"""The machine's CPU cores and how busy they are: CPU slots are sized from them, and a CPU
benchmark neither oversubscribes the machine nor hides that it was busy.

On a shared 2-core machine with another job running, torch's default (every core) spin-waits
and measured 48x below one thread. So a CPU benchmark takes the cores nobody else is using, and
every row carries the 1-minute load average; a row measured while the load exceeded the usable
cores (others' threads plus ours queued for a core) is marked ``loaded``.
"""

from __future__ import annotations

import math
import os


def usable_cores() -> int:
    """Cores this process may run on (affinity, cgroup pinning), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity call
        return max(1, os.cpu_count() or 1)


def load_average() -> float:
    """The 1-minute load average (runnable threads, ours included)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def free_cores(load: float | None = None) -> int:
    """Usable cores not taken by the current load, at least 1."""
    busy = load_average() if load is None else load
    return max(1, usable_cores() - math.ceil(max(0.0, busy) - 0.25))


def is_loaded(load: float, cores: int | None = None) -> bool:
    """More runnable threads than cores: timings are slowed by waiting for a core."""
    return load > (cores or usable_cores()) + 0.5
