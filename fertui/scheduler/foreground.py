"""``fertui run`` without --detach: schedule here, or follow the daemon if one already runs."""

from __future__ import annotations

import signal
import time

from fertui.scheduler.daemon import SchedulerLock, daemon_status
from fertui.scheduler.logfile import setup_logging
from fertui.scheduler.view import RunView
from fertui.store import FINAL_STATES, Store
from fertui.workspace import Workspace

FOLLOW_EVERY_S = 0.5
# Endings that leave nobody to watch the jobs: the daemon takes them over. Ctrl-C is a person
# stopping this command on purpose; the jobs keep running and the message says how to watch them.
HAND_OVER = (signal.SIGHUP, signal.SIGTERM)


def run_foreground(ws: Workspace, ids: list[str], view: RunView | None = None) -> int:
    """Run (or follow) until IDS are final — with no IDS, until the queue drains. The exit code."""
    view = view or RunView(ids)
    view.interrupted = 0
    lock = SchedulerLock(ws)
    try:
        with view:
            if daemon_status(ws) is None and lock.acquire("foreground"):
                try:
                    stopped = _schedule(ws, view)
                finally:
                    lock.release()
            else:
                owner = daemon_status(ws) or {}
                view.say(
                    f"the {owner.get('mode', 'other')} scheduler (pid {owner.get('pid', '?')}) runs the queue; "
                    "following"
                )
                stopped = _follow(ws, ids, view)
    except OSError:  # EIO/EPIPE from a terminal that is gone, whichever write noticed it first
        stopped = signal.SIGHUP
    if view.terminal_gone and not stopped:
        stopped = signal.SIGHUP
    if stopped:
        running = [r["id"] for r in view.final_status() if r["status"] == "running"]
        if stopped in HAND_OVER:
            _hand_to_daemon(ws, view)
        elif running:
            owner = daemon_status(ws)
            watcher = (
                f"the {owner['mode']} scheduler (pid {owner['pid']}) watches them"
                if owner
                else "`fertui daemon start` watches them"
            )
            view.say(
                f"{len(running)} run(s) keep running ({', '.join(running)}); {watcher}, `fertui cancel ID` stops them"
            )
    code = view.summary()
    if stopped == signal.SIGINT:
        return 130  # the shell's convention for Ctrl-C, so a script can tell it from a failed run
    return code or (1 if stopped else 0)


def _hand_to_daemon(ws: Workspace, view: RunView) -> None:
    """The terminal hung up (SSH dropped): let the daemon watch the jobs and run the rest."""
    from fertui.scheduler.daemon import ensure_daemon

    if not Store(ws.store_path).active_runs():
        return
    try:
        pid = ensure_daemon(ws)
    except Exception as exc:  # never lose the jobs over this: they run on, a later daemon adopts them
        view.say(f"jobs keep running; starting the daemon failed ({exc}): `fertui daemon start`")
        return
    view.say(f"hung up: jobs keep running, the daemon (pid {pid}) watches them and runs the queue")


def _schedule(ws: Workspace, view: RunView) -> int:
    """Be the scheduler until the queue drains; the signal that ended it early, or 0."""
    from fertui.scheduler.core import Scheduler

    setup_logging(ws)
    scheduler = Scheduler(ws)
    interrupted = []

    def stop(signum, _frame):
        interrupted.append(signum)
        scheduler.request_stop()

    # Jobs live in their own sessions: a hang-up or Ctrl-C ends only this process, never them.
    old = {s: signal.signal(s, stop) for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM)}
    told_paused = []

    def until(s: Scheduler) -> bool:
        if view.terminal_gone:  # nobody to show it to: the daemon takes over (run_foreground)
            interrupted.append(signal.SIGHUP)
            return True
        if s.tracked:
            return False
        queued = [r for r in s.runs.values() if r["status"] == "queued"]
        if queued and s.queue != "active" and not told_paused:
            told_paused.append(True)
            view.say(f"the queue is {s.queue}: {len(queued)} run(s) stay queued (`fertui queue resume`)")
        return not queued or s.queue != "active"

    try:
        scheduler.recover()
        scheduler.serve(until=until, on_tick=lambda s: view.update(s.runs))
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    view.update(scheduler.runs)
    return interrupted[0] if interrupted else 0


def _follow(ws: Workspace, ids: list[str], view: RunView) -> int:
    store = Store(ws.store_path)
    try:
        while True:
            runs = {r["id"]: r for r in store.active_runs()}
            for run_id in {*ids, *view.watched} - set(runs):  # ended: in a partition now
                doc = store.get_run(run_id)
                if doc is not None:
                    runs[run_id] = doc
            view.update(runs)
            if ids:
                # held runs wait for a person (`fertui queue resume SWEEP`), not for this command
                if all(runs.get(i, {}).get("status", "done") in (*FINAL_STATES, "held") for i in ids):
                    return 0
            elif not any(r["status"] in ("queued", "running") for r in runs.values()):
                return 0
            if daemon_status(ws) is None and _take_over(ws, view):
                return view.interrupted
            time.sleep(FOLLOW_EVERY_S)
    except KeyboardInterrupt:
        return signal.SIGINT


def _take_over(ws: Workspace, view: RunView) -> bool:
    """The scheduler went away: become it (True), unless another one got there first (False)."""
    lock = SchedulerLock(ws)
    if not lock.acquire("foreground"):
        return False
    try:
        view.say("the scheduler stopped; scheduling here")
        view.interrupted = _schedule(ws, view)
    finally:
        lock.release()
    return True
