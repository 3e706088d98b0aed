"""Where jobs may run: GPUs chosen by lab-server etiquette (placement.py), else CPU slots.

The GPUs come from NVML (nvml.py) or fertui.toml's ``[scheduler] gpus``; each job gets a share
of one GPU or several whole ones. An executor that places jobs itself (Slurm) offers its own
fixed list of slots instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fertui.cpu_load import usable_cores
from fertui.errors import ConfigError
from fertui.scheduler.executor import Slot
from fertui.scheduler.gpu_claims import GpuClaims, claim_key
from fertui.scheduler.nvml import GpuInfo, gpu_inventory
from fertui.scheduler.placement import Etiquette, Occupant, Placer, Waiting, need_of
from fertui.workspace import Workspace

__all__ = ["GpuInfo", "SlotPool", "gpu_inventory", "validate_settings"]


def _int_setting(ws: Workspace, key: str, minimum: int) -> int:
    value = ws.setting("scheduler", key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            str(ws.root / "fertui.toml"), f"scheduler.{key}", f"expected an integer >= {minimum}, got {value!r}"
        )
    return value


def validate_settings(ws: Workspace) -> None:
    """Fail early, naming fertui.toml and the key, on a [scheduler] value of the wrong kind."""
    for key, minimum in (
        ("jobs_per_gpu", 1),
        ("retry", 0),
        ("min_free_memory_mb", 0),
        ("busy_memory_mb", 0),
        ("busy_utilization", 0),
    ):
        _int_setting(ws, key, minimum)
    cpu = ws.setting("scheduler", "cpu_slots")
    if cpu != "auto" and (isinstance(cpu, bool) or not isinstance(cpu, int) or cpu < 1):
        raise ConfigError(
            str(ws.root / "fertui.toml"), "scheduler.cpu_slots", f'expected "auto" or an integer >= 1, got {cpu!r}'
        )
    gpus = ws.setting("scheduler", "gpus")
    if gpus != "auto" and not (
        isinstance(gpus, list) and all(isinstance(g, int) and not isinstance(g, bool) and g >= 0 for g in gpus)
    ):
        raise ConfigError(
            str(ws.root / "fertui.toml"),
            "scheduler.gpus",
            f'expected "auto" or a list of GPU indices like [0, 1], got {gpus!r}',
        )
    grace = ws.setting("scheduler", "cancel_grace_s")
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or grace < 0:
        raise ConfigError(
            str(ws.root / "fertui.toml"),
            "scheduler.cancel_grace_s",
            f"expected a number of seconds >= 0, got {grace!r}",
        )


def cpu_slots(ws: Workspace) -> list[Slot]:
    """CPU slots: ``cpu_slots`` of them, or one per usable core ("auto"); the cores are shared out
    so that jobs together use each core once (torch's default of every core per job spin-waits)."""
    cores = usable_cores()
    wanted = ws.setting("scheduler", "cpu_slots")
    count = cores if wanted == "auto" else int(wanted)
    threads = max(1, cores // count)
    return [Slot(f"cpu{k}", threads=threads) for k in range(count)]


class SlotPool:
    """The places jobs can run, and which of them a queued run may take right now."""

    def __init__(
        self,
        ws: Workspace,
        inventory: Callable[[], list[GpuInfo]] = gpu_inventory,
        slots: list[Slot] | None = None,
        claims: GpuClaims | None = None,
    ):
        validate_settings(ws)
        self.inventory = inventory
        self.rules = Etiquette(
            *(
                _int_setting(ws, k, 0)
                for k in ("jobs_per_gpu", "busy_memory_mb", "busy_utilization", "min_free_memory_mb")
            )
        )
        self.wanted = ws.setting("scheduler", "gpus")
        self.fixed = slots  # an executor's own slots (Slurm): no GPUs to place
        self.claims = claims or GpuClaims()
        self._keys: dict[int, str] = {}  # GPU index -> its claim's key, as of the last placer()
        self._names: dict[int, str] = {}  # GPU index -> its name (for the run's provenance)
        self.slots = slots if slots is not None else self._plan(ws)

    @property
    def gpu_mode(self) -> bool:
        return self.fixed is None and any(s.gpus for s in self.slots)

    def _plan(self, ws: Workspace) -> list[Slot]:
        """The one-job-per-share slots (what the console and `fertui run` list as capacity)."""
        per_gpu = self.rules.jobs_per_gpu
        gpus = [g.index for g in self._gpus()]
        if gpus:
            return [Slot(f"gpu{g}" if per_gpu == 1 else f"gpu{g}.{k}", (g,)) for g in gpus for k in range(per_gpu)]
        return cpu_slots(ws)

    def _gpus(self) -> list[GpuInfo]:
        """The GPUs this workspace may use, as NVML shows them now (a listed GPU NVML does not
        know is taken as idle, of unknown size)."""
        seen = {g.index: g for g in self.inventory()}
        if self.wanted == "auto":
            return [seen[i] for i in sorted(seen)]
        return [seen.get(i) or GpuInfo(i, "", 0, 0) for i in dict.fromkeys(self.wanted)]

    def free(self, busy: set[str]) -> list[Slot]:
        """Fixed slots (CPU, an executor's own) not in BUSY."""
        return [s for s in self.slots if s.name not in busy]

    def placer(self, ours: list[Occupant], our_groups: set[int]) -> Placer:
        """One tick's GPU decisions: NVML is read once here, not once per queued run."""
        gpus = self._gpus()
        self._keys = {g.index: claim_key(g.uuid, g.index) for g in gpus}
        self._names = {g.index: g.name for g in gpus}
        planned = len({s.gpus for s in self.slots})
        return Placer(gpus, ours, our_groups, self.rules, lambda gpu: self.claims.hold(self._keys[gpu.index]), planned)

    def take(self, placer: Placer, run: dict, bench_rows: list[dict] = ()) -> Slot | Waiting:
        """A slot for RUN on GPUs (holding their claims, passed on to the job), or why it waits."""
        choice = placer.place(need_of(run, bench_rows))
        if isinstance(choice, Waiting):
            return Waiting(self.claims.problem, choice.never) if self.claims.problem else choice
        return replace(choice, hold_fds=self.claims.fds(self._keys[g] for g in choice.gpus))

    def gpu_names(self, indices) -> list[str]:
        return [self._names.get(i) or f"GPU {i}" for i in indices]

    def let_go_unused(self, ours: list[Occupant]) -> None:
        """End our claims on GPUs where this workspace runs nothing now."""
        used = {self._keys.get(g) for o in ours for g in o.gpus}
        for key in list(self.claims.held):
            if key not in used:
                self.claims.let_go(key)
