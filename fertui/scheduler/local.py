"""The local executor: each job is a wrapper subprocess leading its own session and group."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from fertui.scheduler import wrapper
from fertui.scheduler.executor import Executor, Slot, job_cwd
from fertui.scheduler.wrapper import EXIT_FILE

WRAPPER_SCRIPT = wrapper.__file__


def process_alive(pid: int | None, create_time: float | None) -> bool:
    """True if PID is still the very process that started at CREATE_TIME (not a reused pid)."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > 0.05:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def group_alive(pgid: int) -> bool:
    """True while any non-zombie process is in process group PGID."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


class LocalExecutor(Executor):
    kind = "local"

    def __init__(self, options: dict | None = None):
        super().__init__(options)
        self._children: dict[str, subprocess.Popen] = {}  # jobs this process started (to reap)
        self._returncodes: dict[str, int] = {}

    def launch(self, run: dict, run_dir: Path, argv: list[str], env: dict[str, str], slot: Slot) -> dict:
        (run_dir / EXIT_FILE).unlink(missing_ok=True)
        # -I -S: the wrapper needs only the standard library; skipping site set-up starts it faster
        wrapper = [sys.executable, "-I", "-S", WRAPPER_SCRIPT, str(run_dir), "--", *argv]
        with open(run_dir / "stdout.log", "ab") as log:
            proc = subprocess.Popen(
                wrapper,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=job_cwd(run, run_dir),
                start_new_session=True,
                close_fds=True,
                pass_fds=slot.hold_fds,
            )
        self._children[run["id"]] = proc
        try:
            started = psutil.Process(proc.pid).create_time()
        except psutil.NoSuchProcess:  # cannot happen before we reap it, but never crash on it
            started = None
        return {"pid": proc.pid, "pid_start": started, "executor": self.kind}

    def poll(self, run: dict) -> str:
        """A run is over when its wrapper has ended and, if the wrapper did not end by itself, when
        its process group is empty too: a kill -9 of the wrapper leaves the job running on."""
        pid = run.get("pid")
        proc = self._children.get(run["id"])
        if proc is not None and proc.pid == pid:
            code = proc.poll()
            if code is None:
                return "running"
            self._returncodes[run["id"]] = code
            del self._children[run["id"]]
            if code >= 0:
                return "exited"  # the wrapper waited for the job and wrote exit.json
        elif process_alive(pid, run.get("pid_start")):
            return "running"
        # The wrapper was killed, or died while nobody watched: the job (its group) may live on.
        return "running" if pid and group_alive(pid) else "exited"

    def cancel(self, run: dict, grace_s: float) -> None:
        pid = run.get("pid")
        if not pid:
            return
        if process_alive(pid, run.get("pid_start")):
            try:
                os.kill(pid, signal.SIGTERM)  # the wrapper forwards it to the whole group
            except ProcessLookupError:
                pass
        elif not group_alive(pid):
            return
        else:
            _killpg(pid, signal.SIGTERM)  # the wrapper died but part of its group lives on
        deadline = time.monotonic() + max(0.0, grace_s)
        while time.monotonic() < deadline:
            self._reap(run["id"])
            if not group_alive(pid):
                return
            time.sleep(0.25)  # group_alive scans the process table: not too often
        _killpg(pid, signal.SIGKILL)

    def _reap(self, run_id: str) -> None:
        proc = self._children.get(run_id)
        if proc is not None and proc.poll() is not None:
            self._returncodes[run_id] = proc.returncode

    def read_exit(self, run: dict, run_dir: Path) -> dict | None:
        try:
            return json.loads((run_dir / EXIT_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        code = self._returncodes.get(run["id"])
        if code is not None and code >= 0:  # the wrapper could not write exit.json (a full disk): it
            # exits with its job's code (128 + N for a signal), which this process reaped
            sig = code - 128 if code > 128 else None
            return {
                "exit_code": None if sig else code,
                "signal": sig,
                "ended": time.time(),
                "source": "wrapper exit status (exit.json could not be written)",
            }
        if code is not None and code < 0:  # the wrapper itself was killed (SIGKILL after the grace, or by hand)
            return {
                "exit_code": None,
                "signal": -code,
                "ended": time.time(),
                "source": "wrapper",
                "error": f"the launch wrapper was killed (signal {-code}); its job ran on until its process "
                "group ended, with an exit status nobody could read",
            }
        return None

    def adopt(self, run: dict) -> bool:
        # a job whose wrapper was killed still counts: closing it now would requeue it beside itself
        pid = run.get("pid")
        return process_alive(pid, run.get("pid_start")) or bool(pid and group_alive(pid))


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
