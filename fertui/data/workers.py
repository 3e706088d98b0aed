"""How many DataLoader workers ``data.num_workers = "auto"`` means on this machine.

Measured on RAF-DB-shaped JPEGs (benchmarks/loader_throughput.py, BENCHMARKS.md): one worker
decodes and augments about as fast as the main process alone, so workers pay only when they
run on cores of their own. On a CPU-only machine those cores are the ones torch trains on.
"""

from __future__ import annotations

import os

MAX_AUTO_WORKERS = 8  # 8 workers at ~0.9k img/s each outrun the Baseline's 5k img/s GPU target


def usable_cpus() -> int:
    """Cores this process may run on (a Slurm or taskset mask), not the machine's total."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def auto_workers(on_gpu: bool, cpus: int | None = None) -> int:
    """0 on a CPU; on a GPU one worker per usable core less one (the training loop's), 1 to 8."""
    if not on_gpu:
        return 0
    cpus = usable_cpus() if cpus is None else cpus
    return max(1, min(MAX_AUTO_WORKERS, cpus - 1))


def resolve_workers(setting: int | str, on_gpu: bool, cpus: int | None = None) -> int:
    """The worker count for the ``data.num_workers`` value SETTING (an integer or "auto")."""
    return auto_workers(on_gpu, cpus) if setting == "auto" else int(setting)
