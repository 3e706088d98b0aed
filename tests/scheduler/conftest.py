"""Workspaces with real jobs (short `python -c` commands reporting through fertui.report).

Every test's workspace is torn down by stopping its scheduler and SIGKILLing the process
group of every job still alive, so no test leaves a daemon or a job behind.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from fertui.config import config_from_command
from fertui.plan import enqueue
from fertui.run_docs import run_doc
from fertui.scheduler.daemon import daemon_status
from fertui.scheduler.local import group_alive, process_alive
from fertui.store import FINAL_STATES, Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests here)

WAIT_S = 60.0


class JobWorkspace:
    def __init__(self, root: Path):
        self.root = root

    @property
    def ws(self):
        return open_workspace(self.root)  # re-read fertui.toml each time

    @property
    def store(self) -> Store:
        return Store(self.ws.store_path)

    def settings(self, text: str) -> None:
        (self.root / "fertui.toml").write_text(text)

    def add(self, code: str, *sets: str) -> str:
        """Queue `python -c CODE` as a command run; its id."""
        cfg = config_from_command(["python", "-c", code], list(sets))
        (run_id,) = enqueue(self.ws, [run_doc(cfg)])
        return run_id

    def run(self, run_id: str) -> dict:
        return self.store.get_run(run_id)

    def status(self, run_id: str) -> str:
        return self.run(run_id)["status"]

    def wait_status(self, run_id: str, states, timeout: float = WAIT_S) -> dict:
        states = (states,) if isinstance(states, str) else tuple(states)
        return wait_for(
            lambda: (lambda r: r if r["status"] in states else None)(self.run(run_id)),
            timeout,
            f"run {run_id} to be {'/'.join(states)}",
        )

    def wait_all_final(self, timeout: float = WAIT_S) -> list[dict]:
        def settled():
            runs = self.store.runs()
            return runs if runs and all(r["status"] in FINAL_STATES for r in runs) else None

        return wait_for(settled, timeout, "every run to end")


@pytest.fixture
def jobs(tmp_path):
    space = JobWorkspace(tmp_path)
    yield space
    status = daemon_status(space.ws)
    if status:
        os.kill(status["pid"], signal.SIGKILL)
    for run in space.store.runs():
        pid = run.get("pid")
        if pid and (process_alive(pid, run.get("pid_start")) or group_alive(pid)):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def fertui_argv(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "fertui.cli.main", "--workspace", str(root), *args]
