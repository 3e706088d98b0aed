"""Where jobs may run: GPU slots from NVML (or fertui.toml), else CPU slots.

``FERTUI_FAKE_GPUS=N`` pretends the machine has N idle GPUs, so GPU scheduling is testable
on a machine without one (jobs then get CUDA_VISIBLE_DEVICES for GPUs that do not exist).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from fertui.cpu_load import usable_cores
from fertui.errors import ConfigError
from fertui.scheduler.executor import Slot
from fertui.workspace import Workspace


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    total_mb: int
    free_mb: int


def gpu_inventory() -> list[GpuInfo]:
    """The GPUs NVML sees (PCI bus order, as CUDA_DEVICE_ORDER=PCI_BUS_ID numbers them)."""
    fake = os.environ.get("FERTUI_FAKE_GPUS")
    if fake:
        return [GpuInfo(i, "fake GPU", 81920, 81920) for i in range(int(fake))]
    try:
        import pynvml
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except Exception:  # no driver, no GPU: a CPU machine
        return []
    try:
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            name = pynvml.nvmlDeviceGetName(handle)
            gpus.append(GpuInfo(i, name.decode() if isinstance(name, bytes) else str(name),
                                mem.total >> 20, mem.free >> 20))
        return gpus
    except Exception:
        return []
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def _int_setting(ws: Workspace, key: str, minimum: int) -> int:
    value = ws.setting("scheduler", key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(str(ws.root / "fertui.toml"), f"scheduler.{key}", f"expected an integer >= {minimum}, got {value!r}")
    return value


def validate_settings(ws: Workspace) -> None:
    """Fail early, naming fertui.toml and the key, on a [scheduler] value of the wrong kind."""
    for key, minimum in (("jobs_per_gpu", 1), ("retry", 0), ("min_free_memory_mb", 0)):
        _int_setting(ws, key, minimum)
    cpu = ws.setting("scheduler", "cpu_slots")
    if cpu != "auto" and (isinstance(cpu, bool) or not isinstance(cpu, int) or cpu < 1):
        raise ConfigError(str(ws.root / "fertui.toml"), "scheduler.cpu_slots",
                          f'expected "auto" or an integer >= 1, got {cpu!r}')
    gpus = ws.setting("scheduler", "gpus")
    if gpus != "auto" and not (isinstance(gpus, list) and all(
            isinstance(g, int) and not isinstance(g, bool) and g >= 0 for g in gpus)):
        raise ConfigError(str(ws.root / "fertui.toml"), "scheduler.gpus",
                          f'expected "auto" or a list of GPU indices like [0, 1], got {gpus!r}')
    grace = ws.setting("scheduler", "cancel_grace_s")
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or grace < 0:
        raise ConfigError(str(ws.root / "fertui.toml"), "scheduler.cancel_grace_s",
                          f"expected a number of seconds >= 0, got {grace!r}")


def cpu_slots(ws: Workspace) -> list[Slot]:
    """CPU slots: ``cpu_slots`` of them, or one per usable core ("auto"); the cores are shared out
    so that jobs together use each core once (torch's default of every core per job spin-waits)."""
    cores = usable_cores()
    wanted = ws.setting("scheduler", "cpu_slots")
    count = cores if wanted == "auto" else int(wanted)
    threads = max(1, cores // count)
    return [Slot(f"cpu{k}", threads=threads) for k in range(count)]


class SlotPool:
    """The fixed list of slots, and which of them are free right now."""

    def __init__(self, ws: Workspace, inventory: Callable[[], list[GpuInfo]] = gpu_inventory,
                 slots: list[Slot] | None = None):
        validate_settings(ws)
        self.inventory = inventory
        self.min_free_mb = _int_setting(ws, "min_free_memory_mb", 0)
        self.slots = slots if slots is not None else self._plan(ws)

    def _plan(self, ws: Workspace) -> list[Slot]:
        per_gpu = _int_setting(ws, "jobs_per_gpu", 1)
        wanted = ws.setting("scheduler", "gpus")
        gpus = [g.index for g in self.inventory()] if wanted == "auto" else list(dict.fromkeys(wanted))
        if gpus:
            return [Slot(f"gpu{g}" if per_gpu == 1 else f"gpu{g}.{k}", (g,)) for g in gpus for k in range(per_gpu)]
        return cpu_slots(ws)

    def free(self, busy: set[str]) -> list[Slot]:
        """Slots not in BUSY, leaving out GPUs with less free memory than min_free_memory_mb."""
        free = [s for s in self.slots if s.name not in busy]
        if self.min_free_mb and any(s.gpus for s in free):
            memory = {g.index: g.free_mb for g in self.inventory()}
            free = [s for s in free if all(memory.get(g, 0) >= self.min_free_mb for g in s.gpus)]
        return free
