"""GPU and host probes for the GPUs screen, joined to runs by process id (no Textual)."""

from __future__ import annotations

import os

import psutil

from fertui.scheduler.nvml import GpuInfo, gpu_inventory, process_owner


def probe_gpus() -> list[GpuInfo] | None:
    """Every GPU NVML sees, or None on a machine without one (then the screen shows the host)."""
    return gpu_inventory() or None


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
    user = process_owner(pid)
    return f"claimed by {user}'s fertui (pid {pid})" if user else f"claimed by fertui pid {pid}"
