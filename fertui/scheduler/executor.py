"""How a run's process is started, watched and stopped: the executor interface (the factory
that picks one is fertui.scheduler.executors, above the executors themselves).

The scheduler decides *what* runs *where* (queue order, slots); an executor only knows how
to start one job (locally, or through a batch system such as Slurm) and how to find it again.
Everything an executor needs to re-find a job after a scheduler restart goes into the fields
``launch`` returns, which the scheduler stores in the run document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fertui.workspace import Workspace

POLL_STATES = ("pending", "running", "exited", "vanished")


@dataclass(frozen=True)
class Slot:
    """One place a job can run: a share of some GPUs, or a CPU slot (no GPU)."""

    name: str  # "gpu0", "gpu0.1" (second job on GPU 0), "cpu0"
    gpus: tuple[int, ...] = ()  # NVML indices (PCI bus order); empty = CPU only
    memory_mb: int = field(default=0, compare=False)  # GPU memory the job reserved on each of them; 0: a share
    # Locked descriptors of the GPUs' machine-wide claims (gpu_claims.py): the job inherits them.
    hold_fds: tuple[int, ...] = field(default=(), compare=False, repr=False)
    threads: int = 0  # CPU slots: this slot's share of the cores (OMP_NUM_THREADS)

    def env(self) -> dict[str, str]:
        env = {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": ",".join(str(g) for g in self.gpus)}
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        return env


class Executor:
    """Base class. Subclasses set ``kind`` (its name in fertui.toml) and implement every method."""

    kind: str = "base"

    def __init__(self, options: dict | None = None):
        self.options = dict(options or {})  # the [executor] table of fertui.toml

    def launch(self, run: dict, run_dir: Path, argv: list[str], env: dict[str, str], slot: Slot) -> dict:
        """Start ARGV for RUN; return the fields to store in the run doc (e.g. pid, pid_start)."""
        raise NotImplementedError

    def poll(self, run: dict) -> str:
        """One of POLL_STATES: pending (accepted, not started), running, exited (an outcome
        is known or readable), vanished (gone without a trace of how it ended)."""
        raise NotImplementedError

    def cancel(self, run: dict, grace_s: float) -> None:
        """Stop the whole job (SIGTERM, then SIGKILL after GRACE_S); may block up to GRACE_S."""
        raise NotImplementedError

    def read_exit(self, run: dict, run_dir: Path) -> dict | None:
        """The job's exit record ({"exit_code", "signal", "ended"}), or None if unknown."""
        raise NotImplementedError

    def adopt(self, run: dict) -> bool:
        """After a scheduler restart: True if RUN's job still exists and is now watched again."""
        raise NotImplementedError

    def slots(self, workspace: Workspace) -> list[Slot] | None:
        """The slots this executor offers, or None to use the machine's GPU/CPU inventory."""
        return None


def job_cwd(run: dict, run_dir: Path) -> Path:
    """Where the job starts: a command job's ``[job] cwd`` (recorded at queue time as the
    directory ``fertui add`` ran in, unless the config names one), else the workspace root."""
    cwd = ((run.get("config") or {}).get("job") or {}).get("cwd")
    return Path(cwd) if run.get("kind") == "command" and cwd else run_dir.parent.parent
