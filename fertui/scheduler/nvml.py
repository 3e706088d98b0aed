"""What NVML says about each GPU: memory, utilisation and the processes on it; the one reader,
for the scheduler's placement and the console's GPUs screen.

``FERTUI_FAKE_GPUS=N`` pretends the machine has N idle GPUs, so GPU scheduling runs on a
machine without one; tests of NVML itself put a fake ``pynvml`` module on PYTHONPATH.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

_initialised = False


@dataclass(frozen=True)
class GpuProcess:
    pid: int
    used_mb: int | None = None


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    total_mb: int
    free_mb: int
    uuid: str = ""  # stable across workspaces: the key of its machine-wide claim
    utilization: int | None = None  # percent, as NVML samples it
    processes: tuple[GpuProcess, ...] = field(default_factory=tuple)
    temp_c: int | None = None  # for the console's GPUs screen
    power_w: float | None = None

    @property
    def used_mb(self) -> int:
        return max(0, self.total_mb - self.free_mb)


def gpu_inventory() -> list[GpuInfo]:
    """The GPUs NVML sees (PCI bus order, as CUDA_DEVICE_ORDER=PCI_BUS_ID numbers them)."""
    fake = os.environ.get("FERTUI_FAKE_GPUS")
    if fake:
        return [GpuInfo(i, "fake GPU", 81920, 81920) for i in range(int(fake))]
    global _initialised
    try:
        import pynvml  # here, not at the top: a CPU machine never loads the NVML bindings
    except ImportError:
        return []
    try:
        if not _initialised:
            # Once per process: without the persistence daemon, each init can reload the
            # driver's state (up to seconds), and the scheduler asks every tick a run waits.
            pynvml.nvmlInit()
            _initialised = True
        return [_probe(pynvml, i) for i in range(pynvml.nvmlDeviceGetCount())]
    except Exception:  # no driver, no GPU (a CPU machine), or the driver restarted: init again next time
        _initialised = False
        return []


def _probe(pynvml, index: int) -> GpuInfo:
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
    util = _optional(lambda: int(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu))
    processes: dict[int, GpuProcess] = {}
    for getter in (pynvml.nvmlDeviceGetComputeRunningProcesses, pynvml.nvmlDeviceGetGraphicsRunningProcesses):
        for proc in _optional(lambda read=getter: read(handle)) or []:
            used = getattr(proc, "usedGpuMemory", None)
            processes.setdefault(
                int(proc.pid), GpuProcess(int(proc.pid), used >> 20 if isinstance(used, int) else None)
            )
    return GpuInfo(
        index,
        _text(pynvml.nvmlDeviceGetName(handle)),
        mem.total >> 20,
        mem.free >> 20,
        uuid=_optional(lambda: _text(pynvml.nvmlDeviceGetUUID(handle))) or "",
        utilization=util,
        processes=tuple(processes.values()),
        temp_c=_optional(lambda: int(pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU))),
        power_w=_optional(lambda: pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0),
    )


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _optional(read):
    try:
        return read()
    except Exception:  # a field this GPU or driver does not report (e.g. a MIG slice)
        return None


def process_owner(pid: int) -> str:
    """The user name of PID, or "" when it is not visible here (another container's process)."""
    import psutil  # here: only a busy GPU needs a name

    try:
        return psutil.Process(pid).username()
    except (psutil.Error, KeyError):
        return ""


def in_groups(pid: int, groups: set[int]) -> bool:
    """Whether PID belongs to one of the process GROUPS (a job leads its own group; its
    DataLoader workers and torchrun ranks inherit it)."""
    if pid in groups:
        return True
    try:
        return os.getpgid(pid) in groups
    except OSError:
        return False
