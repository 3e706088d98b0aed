"""Which GPUs a queued run may take now, or why it waits: the lab-server etiquette.

A GPU is free for this workspace only if NVML shows no process of anyone else on it (another
user, or another fertui workspace), its memory and utilisation are below
``[scheduler] busy_memory_mb`` / ``busy_utilization`` (unless this workspace's own jobs are what
use it), and its machine-wide claim (gpu_claims.py) is ours or can be taken. Jobs of this
workspace share a GPU by declared memory (``[job] gpu_memory_mb``); a job that declares none
takes one ``jobs_per_gpu`` share. ``[job] gpus = N`` asks for N GPUs with consecutive indices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

from fertui.scheduler.executor import Slot
from fertui.scheduler.nvml import GpuInfo, in_groups, process_owner

ROUNDING = 1e-9


@dataclass(frozen=True)
class GpuNeed:
    count: int = 1
    memory_mb: int = 0  # per GPU; 0: one jobs_per_gpu share


@dataclass(frozen=True)
class Occupant:
    """A job of this workspace holding GPUs."""

    slot: str
    gpus: tuple[int, ...]
    need: GpuNeed


@dataclass(frozen=True)
class Etiquette:
    jobs_per_gpu: int = 1
    busy_memory_mb: int = 1024
    busy_utilization: int = 10
    min_free_memory_mb: int = 0


@dataclass(frozen=True)
class Waiting:
    reason: str
    never: bool = False  # no amount of waiting helps (more GPUs asked than there are)


# A benchmark row's memory is torch's peak allocation: add the CUDA context and allocator slack.
BENCH_MEMORY_FACTOR, CUDA_CONTEXT_MB = 1.1, 1024


def need_of(run: dict, bench_rows: list[dict] = ()) -> GpuNeed:
    """What RUN asks of the GPUs: ``[job] gpus`` and ``gpu_memory_mb``; without the latter, the
    memory noted when it started, else a built-in training run's `fertui bench --save` row."""
    job = (run.get("config") or {}).get("job") or {}
    memory = int(job.get("gpu_memory_mb") or run.get("gpu_memory_mb") or 0) or benched_memory_mb(run, bench_rows)
    return GpuNeed(int(job.get("gpus") or 1), memory)


def benched_memory_mb(run: dict, rows: list[dict]) -> int:
    """The GPU memory the model of a training RUN took in `fertui bench --save` at its batch size
    and input size (the largest such row), with headroom; 0 when nothing was measured."""
    config = run.get("config") or {}
    model, data = config.get("model") or {}, config.get("data") or {}
    if run.get("kind") != "train" or not model.get("name"):
        return 0
    peaks = [
        r["memory_mb"]
        for r in rows
        if r.get("model") == model["name"]
        and r.get("mode") == "train"
        and str(r.get("device", "")).startswith("cuda")
        and r.get("batch_size") == data.get("batch_size")
        and r.get("input_size") == model.get("input_size")
        and isinstance(r.get("memory_mb"), (int, float))
    ]
    return int(max(peaks) * BENCH_MEMORY_FACTOR) + CUDA_CONTEXT_MB if peaks else 0


def occupant(run: dict, slot: str) -> Occupant:
    """RUN, running in SLOT, as a holder of GPUs (runs started before fertui kept ``gpus``:
    read from the slot's name, gpu0 / gpu0.1 / gpu2,3)."""
    gpus = run.get("gpus")
    if not isinstance(gpus, list):
        head = slot.removeprefix("gpu").split(".")[0] if slot.startswith("gpu") else ""
        gpus = [int(g) for g in head.split(",") if g.isdigit()]
    return Occupant(slot, tuple(gpus), need_of(run))


def share(need: GpuNeed, gpu: GpuInfo, rules: Etiquette) -> float:
    """The part of GPU a job with NEED takes: its declared memory, else one jobs_per_gpu share."""
    if need.memory_mb and gpu.total_mb:
        return need.memory_mb / gpu.total_mb
    return 1.0 / rules.jobs_per_gpu


class Placer:
    """One decision round (one scheduler tick): the GPUs as NVML showed them a moment ago."""

    def __init__(
        self,
        gpus: list[GpuInfo],
        ours: list[Occupant],
        our_groups: set[int],
        rules: Etiquette,
        hold: Callable[[GpuInfo], bool],
        machine_gpus: int = 0,
    ):
        self.gpus, self.ours, self.rules = gpus, list(ours), rules
        self.machine_gpus = max(machine_gpus, len(gpus))  # as planned at start: NVML may miss one a moment
        self.our_groups, self.hold = our_groups, hold
        self._refusals: dict[int, str] = {}  # GPU index -> why nothing new goes there (same all round)

    def place(self, need: GpuNeed) -> Slot | Waiting:
        if need.count > self.machine_gpus:
            return Waiting(f"needs {need.count} GPUs; this machine offers {self.machine_gpus}", never=True)
        if need.count > len(self.gpus):  # a driver hiccup, a GPU fallen off the bus: wait, do not fail
            return Waiting(f"NVML shows {len(self.gpus)} of the {self.machine_gpus} GPUs right now")
        too_big = [g for g in self.gpus if need.memory_mb and g.total_mb and need.memory_mb > g.total_mb]
        if too_big and len(too_big) == len(self.gpus):
            return Waiting(
                f"needs {need.memory_mb} MB per GPU; the largest has {max(g.total_mb for g in too_big)} MB", never=True
            )
        reasons: dict[int, str] = {}
        for start in range(len(self.gpus) - need.count + 1):
            window = self.gpus[start : start + need.count]
            if any(b.index - a.index != 1 for a, b in pairwise(window)):
                continue  # not contiguous (e.g. gpus = [0, 2] in fertui.toml)
            why = {g.index: self._refusal(g, need) for g in window}
            reasons.update({i: r for i, r in why.items() if r})
            if not any(why.values()):
                slot = replace(self._slot(window), memory_mb=need.memory_mb)
                self.ours.append(Occupant(slot.name, slot.gpus, need))
                return slot
        return Waiting(
            ", ".join(f"gpu{i} {r}" for i, r in sorted(reasons.items()))
            or f"no {need.count} GPUs with consecutive indices are free together"
        )

    def _refusal(self, gpu: GpuInfo, need: GpuNeed) -> str:
        """Why GPU cannot take a job with NEED now; "" when it can."""
        if gpu.index not in self._refusals:
            self._refusals[gpu.index] = self._shared_refusal(gpu)
        if self._refusals[gpu.index]:
            return self._refusals[gpu.index]
        taken = sum(share(o.need, gpu, self.rules) for o in self.ours if gpu.index in o.gpus)
        if taken + share(need, gpu, self.rules) > 1 + ROUNDING:
            mine = sum(1 for o in self.ours if gpu.index in o.gpus)
            return f"full ({mine} run{'s' if mine != 1 else ''} of this workspace)"
        wanted = max(need.memory_mb, self.rules.min_free_memory_mb)
        if wanted and gpu.total_mb and gpu.free_mb < wanted:
            return f"has {gpu.free_mb} MB free, needs {wanted} MB"
        return ""

    def _shared_refusal(self, gpu: GpuInfo) -> str:
        """What keeps every new job off GPU: someone else's process, load, or claim."""
        foreign = [p for p in gpu.processes if not in_groups(p.pid, self.our_groups)]
        if foreign:
            owner = process_owner(foreign[0].pid)
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            return f"used by pid {foreign[0].pid}" + (f" ({owner})" if owner else "") + more
        mine = any(gpu.index in o.gpus for o in self.ours)
        if not mine:  # our own jobs' memory and load are no reason to stay away
            if self.rules.busy_memory_mb and gpu.total_mb and gpu.used_mb >= self.rules.busy_memory_mb:
                return f"busy ({gpu.used_mb} MB used by a process NVML cannot name)"
            if (
                self.rules.busy_utilization
                and gpu.utilization is not None
                and gpu.utilization >= self.rules.busy_utilization
            ):
                return f"busy ({gpu.utilization} % utilisation)"
        if not self.hold(gpu):
            return (
                "still claimed by this workspace's jobs from before a restart"
                if mine
                else "by another fertui workspace"
            )
        return ""

    def _slot(self, window: list[GpuInfo]) -> Slot:
        indices = tuple(g.index for g in window)
        if len(indices) > 1:
            return Slot("gpu" + ",".join(str(i) for i in indices), indices)
        names = {o.slot for o in self.ours}
        k = 0
        while f"gpu{indices[0]}.{k}" in names or (k == 0 and f"gpu{indices[0]}" in names):
            k += 1
        if k == 0 and self.rules.jobs_per_gpu == 1:
            return Slot(f"gpu{indices[0]}", indices)
        return Slot(f"gpu{indices[0]}.{k}", indices)
