"""What the scheduler tells sweeps, as an explicit interface, kept from hurting the scheduler.

``SweepLifecycle`` is the contract; ``fertui.sweeps.lifecycle`` implements it. The scheduler
holds a ``SweepHooks`` guard around one implementation: a hook that raises is logged to
runs/daemon.log and counts as "no answer"; it never stops the scheduler. The implementation is
imported on first use because it brings Optuna, which a queue without sweeps never needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from fertui.errors import UserError
from fertui.workspace import Workspace

log = logging.getLogger("fertui.scheduler")


class SweepLifecycle(Protocol):
    def reconcile(self, ws: Workspace) -> None:
        """Sync every sweep's study with the store (after a restart)."""

    def report_epoch(self, ws: Workspace, run: dict, epoch: int, value: float) -> bool:
        """Record RUN's objective after EPOCH; True when the sweep's pruner says stop it."""

    def run_finished(self, ws: Workspace, run: dict) -> None:
        """Tell the sweep how RUN ended (and let it queue what comes next)."""


def sweep_lifecycle() -> SweepLifecycle:
    # Imported here, not at the top: it pulls in Optuna (~0.5 s), and sweeps sit above the scheduler.
    from fertui.sweeps import lifecycle

    return lifecycle


class SweepHooks:
    """The scheduler's guarded handle on one SweepLifecycle."""

    def __init__(self, ws: Workspace, load: Callable[[], SweepLifecycle] = sweep_lifecycle):
        self.ws = ws
        self._load = load
        self._impl: SweepLifecycle | None = None
        self._unavailable = False

    def reconcile(self) -> None:
        self._guarded("reconcile", None, lambda impl: impl.reconcile(self.ws))

    def report_epoch(self, run: dict, epoch: int, value: float) -> bool:
        return bool(self._guarded("report_epoch", run, lambda impl: impl.report_epoch(self.ws, run, epoch, value)))

    def run_finished(self, run: dict) -> None:
        self._guarded("run_finished", run, lambda impl: impl.run_finished(self.ws, run))

    def _guarded(self, what: str, run: dict | None, call: Callable[[SweepLifecycle], Any]) -> Any:
        impl = self._implementation()
        if impl is None:
            return None
        try:
            return call(impl)
        except (UserError, ValueError) as exc:  # a torn Optuna journal (JSONDecodeError is a ValueError)
            log.warning("sweep hook %s for run %s: %s", what, (run or {}).get("id", "?"), exc)
            return None
        except Exception:
            log.exception("sweep hook %s failed for run %s", what, (run or {}).get("id", "?"))
            return None

    def _implementation(self) -> SweepLifecycle | None:
        if self._impl is None and not self._unavailable:
            try:
                self._impl = self._load()
            except Exception:
                log.exception("sweep hooks cannot be imported")
                self._unavailable = True
        return self._impl
