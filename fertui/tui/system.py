"""GPU and host probes for the GPUs screen, joined to runs by process id (no Textual)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psutil


@dataclass
class GpuInfo:
    index: int
    name: str
    util: float | None
    mem_used_mb: float
    mem_total_mb: float
    temp_c: float | None
    power_w: float | None
    pids: list[int] = field(default_factory=list)
    uuid: str = ""  # names the GPU's machine-wide claim (fertui.scheduler.gpu_claims)


def probe_gpus() -> list[GpuInfo] | None:
    """Every GPU NVML sees, or None when there is no driver or no GPU."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:  # no library, no driver: a CPU machine
        return None
    try:
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            gpus.append(
                GpuInfo(
                    index=i,
                    name=_safe(lambda h=h: _text(pynvml.nvmlDeviceGetName(h))) or "GPU",
                    util=_safe(lambda h=h: pynvml.nvmlDeviceGetUtilizationRates(h).gpu),
                    mem_used_mb=mem.used / 2**20,
                    mem_total_mb=mem.total / 2**20,
                    temp_c=_safe(lambda h=h: pynvml.nvmlDeviceGetTemperature(h, pynvml.NVML_TEMPERATURE_GPU)),
                    power_w=_safe(lambda h=h: pynvml.nvmlDeviceGetPowerUsage(h) / 1000.0),
                    pids=_gpu_pids(pynvml, h),
                    uuid=_safe(lambda h=h: _text(pynvml.nvmlDeviceGetUUID(h))) or "",
                )
            )
        return gpus or None
    finally:
        pynvml.nvmlShutdown()


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _safe(fn):
    try:
        return fn()
    except Exception:  # a field this GPU or driver does not report
        return None


def _gpu_pids(pynvml, handle) -> list[int]:
    pids: list[int] = []
    for getter in ("nvmlDeviceGetComputeRunningProcesses", "nvmlDeviceGetGraphicsRunningProcesses"):
        procs = _safe(lambda getter=getter: getattr(pynvml, getter)(handle)) or []
        pids += [p.pid for p in procs if p.pid not in pids]
    return pids


def run_of_pid(pid: int, runs: list[dict]) -> dict | None:
    """The run a process belongs to: its own pid, its process group (jobs lead their own
    group), or an ancestor. nvitop and gpustat stop at the process; this reaches the run."""
    by_pid = {r["pid"]: r for r in runs if isinstance(r.get("pid"), int)}
    if pid in by_pid:
        return by_pid[pid]
    try:
        pgid = os.getpgid(pid)
    except OSError:
        pgid = None
    if pgid in by_pid:
        return by_pid[pgid]
    try:
        for parent in psutil.Process(pid).parents():
            if parent.pid in by_pid:
                return by_pid[parent.pid]
    except psutil.Error:
        pass
    return None


class HostProbe:
    """CPU and memory of the machine and of each running run's process tree."""

    def __init__(self):
        self._procs: dict[int, psutil.Process] = {}
        psutil.cpu_percent(None)

    def machine(self) -> dict:
        vm = psutil.virtual_memory()
        return {
            "cpu_percent": psutil.cpu_percent(None),
            "cpus": psutil.cpu_count() or 1,
            "mem_used_mb": (vm.total - vm.available) / 2**20,
            "mem_total_mb": vm.total / 2**20,
        }

    def run_usage(self, run: dict) -> dict | None:
        pid = run.get("pid")
        if not isinstance(pid, int):
            return None
        try:
            leader = psutil.Process(pid)
            tree = [leader, *leader.children(recursive=True)]
        except psutil.Error:
            return None
        cpu = rss = 0.0
        for p in tree:
            cached = self._procs.setdefault(p.pid, p)  # cpu_percent needs the same object twice
            try:
                cpu += cached.cpu_percent(None)
                rss += cached.memory_info().rss / 2**20
            except psutil.Error:
                continue
        return {"cpu_percent": cpu, "rss_mb": rss, "procs": len(tree)}


def claimed_by(pid: int) -> str:
    """Who holds a GPU claim another workspace took: "user's fertui (pid N)" when the process is
    visible, else the pid alone (it ended, and its jobs keep the claim)."""
    try:
        user = psutil.Process(pid).username()
    except (psutil.Error, KeyError):  # gone, hidden (hidepid), or a uid without a name
        return f"claimed by fertui pid {pid}"
    return f"claimed by {user}'s fertui (pid {pid})"
