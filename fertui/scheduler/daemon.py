"""One scheduler per workspace: the lock and pid file, and the detached daemon process.

Whoever schedules a workspace (the daemon, or a foreground ``fertui run``) holds
runs/scheduler.lock and describes itself in runs/scheduler.pid. The OS drops the lock when
the holder dies, even by kill -9; the pid file is then stale, which the process start time
recorded in it reveals.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
from filelock import FileLock, Timeout

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.scheduler.local import process_alive
from fertui.scheduler.logfile import LOG_FILE, setup_logging
from fertui.workspace import Workspace, open_workspace

LOCK_FILE = "scheduler.lock"
PID_FILE = "scheduler.pid"
START_TIMEOUT_S = 30.0


class SchedulerLock:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self.lock = FileLock(str(ws.runs_dir / LOCK_FILE), timeout=0)
        self.held = False

    def acquire(self, mode: str) -> bool:
        """Become the workspace's scheduler (MODE: "daemon" or "foreground"); False if taken."""
        self.ws.runs_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            return False
        self.held = True
        me = psutil.Process()
        # A daemon is "ready" once it has read the store and adopted its jobs (mark_ready): until
        # then `fertui daemon start` waits, so a daemon that dies at start-up is reported, not hailed.
        self._info = {
            "pid": me.pid,
            "create_time": me.create_time(),
            "mode": mode,
            "started": time.time(),
            "workspace": str(self.ws.root),
            "ready": mode != "daemon",
        }
        atomic_write_text(self.ws.runs_dir / PID_FILE, json.dumps(self._info))
        return True

    def mark_ready(self) -> None:
        atomic_write_text(self.ws.runs_dir / PID_FILE, json.dumps({**self._info, "ready": True}))

    def release(self) -> None:
        if not self.held:
            return
        status = _read_pid_file(self.ws)
        if status and status.get("pid") == os.getpid():
            (self.ws.runs_dir / PID_FILE).unlink(missing_ok=True)
        self.lock.release()
        self.held = False


def _read_pid_file(ws: Workspace) -> dict | None:
    try:
        return json.loads((ws.runs_dir / PID_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def daemon_status(ws: Workspace) -> dict | None:
    """The live scheduler of WS ({pid, mode, started, ...}; mode "daemon" or "foreground"), or None."""
    status = _read_pid_file(ws)
    if status and process_alive(status.get("pid"), status.get("create_time")):
        return status
    return None


def ensure_daemon(ws: Workspace) -> int:
    """The pid of the workspace's scheduler, starting the daemon if none runs."""
    from fertui.scheduler.executors import make_executor
    from fertui.scheduler.slots import validate_settings

    status = daemon_status(ws)
    if status:
        return status["pid"]
    validate_settings(ws)  # a bad fertui.toml is the user's one-line error here, not a dead daemon
    make_executor(ws)
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    with open(ws.runs_dir / LOG_FILE, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fertui.scheduler.daemon", str(ws.root)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ws.root,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        status = daemon_status(ws)
        if status and status.get("ready", True):  # ours, or another starter's that won the race
            return status["pid"]
        if proc.poll() is not None:
            status = daemon_status(ws)
            if status:
                return status["pid"]
            raise UserError(
                f"the daemon exited at start-up (code {proc.returncode}): {_last_error(ws)}; "
                f"see {ws.runs_dir / LOG_FILE}"
            )
        time.sleep(0.05)
    raise UserError(f"the daemon did not start within {START_TIMEOUT_S:.0f} s; see {ws.runs_dir / LOG_FILE}")


def _last_error(ws: Workspace) -> str:
    """The last line the dying daemon wrote (its exception), for a one-line error."""
    from fertui.scheduler.outcome import log_tail

    lines = [line for line in log_tail(ws.runs_dir / LOG_FILE, lines=5).splitlines() if line.strip()]
    last = lines[-1] if lines else "no message"
    return last.split("Error: ", 1)[-1] if last.startswith("fertui.errors.") else last


def stop_daemon(ws: Workspace, timeout_s: float = 30.0) -> bool:
    """Stop the daemon (its jobs keep running; the next scheduler adopts them). False if none ran."""
    status = daemon_status(ws)
    if status is None:
        return False
    if status.get("mode") != "daemon":
        raise UserError(
            f"a foreground `fertui run` (pid {status['pid']}) schedules {ws.root}; stop it with Ctrl-C in its terminal"
        )
    os.kill(status["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not process_alive(status["pid"], status.get("create_time")):
            return True
        time.sleep(0.05)
    os.kill(status["pid"], signal.SIGKILL)
    return True


def serve_daemon(ws: Workspace) -> int:
    from fertui.atomicio import no_world_write
    from fertui.scheduler.core import Scheduler, log
    from fertui.scheduler.queue_state import resume

    no_world_write()  # started from the library (the console, tests) as well as from the CLI

    lock = SchedulerLock(ws)
    if not lock.acquire("daemon"):
        other = daemon_status(ws) or {}
        print(
            f"fertui daemon: {ws.root} already has a scheduler (pid {other.get('pid', '?')}, "
            f"{other.get('mode', 'unknown')})",
            file=sys.stderr,
        )
        return 1
    setup_logging(ws)
    scheduler = Scheduler(ws)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.request_stop())
    signal.signal(signal.SIGINT, lambda *_: scheduler.request_stop())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # detached: a closing terminal is no reason to stop
    log.info("daemon started (pid %d) for %s", os.getpid(), ws.root)
    drained = False
    try:
        scheduler.recover()
        lock.mark_ready()

        def until(s: Scheduler) -> bool:
            nonlocal drained
            if not (ws.runs_dir / PID_FILE).exists():  # the workspace was deleted (or its pid file): leave
                log.warning("%s is gone; the daemon stops", ws.runs_dir / PID_FILE)
                return True
            drained = s.queue == "draining" and not s.tracked
            return drained

        scheduler.serve(until=until)
        if drained:
            resume(ws)  # the drain is complete; the next scheduler starts runs again
    finally:
        log.info("daemon stopping (pid %d)%s", os.getpid(), " after draining" if drained else "")
        lock.release()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m fertui.scheduler.daemon WORKSPACE", file=sys.stderr)
        sys.exit(2)
    sys.exit(serve_daemon(open_workspace(sys.argv[1])))
