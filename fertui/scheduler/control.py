"""Control of runs, shared by the CLI and the console (the queue's state: queue_state.py).

Queued runs are changed directly in the store (a conditional, atomic write). A running job is
stopped by signalling its process group; whichever scheduler watches it records the end, or,
when no scheduler is alive, this module does.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import time
from pathlib import Path

from fertui.errors import UserError
from fertui.store import FINAL_STATES, Store
from fertui.workspace import Workspace


def set_priority(ws: Workspace, run_ref: str, priority: int) -> dict:
    store = Store(ws.store_path)
    run = store.resolve_run(run_ref)
    store.update_run(run["id"], priority=int(priority))
    from fertui.wake import wake_scheduler

    wake_scheduler(ws)
    return {**run, "priority": int(priority)}


RANGE = re.compile(r"^(\d+)-(\d+)$")


def select_runs(
    ws: Workspace, refs: list[str], sweep: str | None = None, statuses: list[str] = (), name: str | None = None
) -> list[dict]:
    """The runs REFS (ids, names, id ranges such as ``10-36``) name, narrowed by the filters;
    with no REFS, every run the filters match. Oldest first, each once."""
    from fertui.store import RUN_STATES

    unknown = sorted(set(statuses) - set(RUN_STATES))
    if unknown:
        raise UserError(f"--status: unknown state {unknown[0]!r}; expected one of {', '.join(RUN_STATES)}")
    if not refs and sweep is None and not statuses and name is None:
        raise UserError("give run ids, an id range (10-36), or --sweep / --status / --name")
    from fertui.store import ACTIVE_STATES

    store = Store(ws.store_path)
    if sweep is not None:  # one sweep's partition, not the whole store
        runs = store.sweep_runs(sweep)
        if not runs:
            from fertui.config.loader import suggest

            names = sorted({s["name"] for s in store.sweeps() if s.get("name")})
            raise UserError(f"--sweep {sweep}: no such sweep{suggest(sweep, names)}")
    elif statuses and set(statuses) <= set(ACTIVE_STATES):
        runs = store.active_runs()  # queued/running/held: the hot file has them all
    else:
        runs = store.runs()
    if refs:
        chosen: dict[str, dict] = {}
        by_number = {int(r["id"]): r for r in runs if r["id"].isdigit()}
        for ref in refs:
            span = RANGE.match(ref.strip())
            if span:
                low, high = sorted(int(g) for g in span.groups())
                inside = [r for n, r in sorted(by_number.items()) if low <= n <= high]
                if not inside:
                    raise UserError(f"no run in the id range {ref}")
                chosen.update((r["id"], r) for r in inside)
            else:
                run = store.resolve_run(ref)
                chosen[run["id"]] = run
        runs = sorted(chosen.values(), key=lambda r: (len(r["id"]), r["id"]))
    return [
        r
        for r in runs
        if (sweep is None or r.get("sweep") == sweep)
        and (not statuses or r["status"] in statuses)
        and (name is None or fnmatch.fnmatchcase(r.get("name", ""), name))
    ]


def retry_runs(ws: Workspace, refs: list[str]) -> list[tuple[str, str]]:
    """Queue each final-state run again as a NEW run; [(old id, new id)]. All checked first."""
    from fertui.plan import enqueue
    from fertui.run_docs import clone_for_retry

    store = Store(ws.store_path)
    runs = [store.resolve_run(ref) for ref in refs]
    for run in runs:
        if run["status"] not in FINAL_STATES:
            raise UserError(
                f"run {run['id']} is {run['status']}; only finished runs can be retried "
                f"(cancel it first with `fertui cancel {run['id']}`)"
            )
    new_ids = enqueue(ws, [clone_for_retry(r, r.get("attempts", 0) + 1) for r in runs])
    return list(zip((r["id"] for r in runs), new_ids))


RESUMABLE_STATES = ("lost", "failed", "cancelled", "oom")


def resume_runs(ws: Workspace, refs: list[str]) -> list[tuple[str, Path]]:
    """Queue each run again as itself, to resume from its last checkpoint; [(id, checkpoint)].
    All checked first: one run that cannot resume leaves every run as it was."""
    from fertui.scheduler.outcome import STOP_FILE
    from fertui.scheduler.resume import latest_checkpoint, rewind_events
    from fertui.wake import wake_scheduler

    store = Store(ws.store_path)
    runs = list({r["id"]: r for r in (store.resolve_run(ref) for ref in refs)}.values())
    found = []
    for run in runs:
        if run["status"] not in RESUMABLE_STATES:
            raise UserError(f"run {run['id']} is {run['status']}; only {', '.join(RESUMABLE_STATES)} runs resume")
        if run.get("requeued_as"):
            raise UserError(f"run {run['id']} was requeued as {run['requeued_as']} already; resume that one")
        if run.get("sweep"):
            raise UserError(
                f"run {run['id']} belongs to sweep {run['sweep']}, whose Optuna study has recorded "
                f"its end; queue it again with `fertui retry {run['id']}`"
            )
        checkpoint = latest_checkpoint(run, ws.run_dir(run["id"]))
        if checkpoint is None and run.get("cleaned"):
            from fertui.disk import cleaned_note  # the files it needs were removed on purpose: say that

            raise UserError(f"{cleaned_note(run)}; `fertui resume` needs its checkpoint (`fertui retry` starts afresh)")
        if checkpoint is None:
            raise UserError(
                f"run {run['id']} has no checkpoint to resume from in {ws.run_dir(run['id'])}/checkpoints"
                + (
                    " (a command job needs [job] resume_command or a {run.resume} placeholder)"
                    if run.get("kind") == "command"
                    else ""
                )
            )
        found.append((run, checkpoint))
    resumed = []
    for run, checkpoint in found:
        attempt = run.get("attempts", 0) + 1
        rewind_events(ws.run_dir(run["id"]), attempt)
        (ws.run_dir(run["id"]) / STOP_FILE).unlink(missing_ok=True)  # a cancel's stop is over
        history = [*(run.get("requeues") or []), {"time": time.time(), "reason": "fertui resume"}]
        fields = {
            "status": "queued",
            "attempts": attempt,
            "requeues": history,
            "stop_requested": None,
            "ended": None,
            "exit_code": None,
            "signal": None,
            "error": None,
        }
        if store.claim_run(run["id"], RESUMABLE_STATES, fields) is not None:
            resumed.append((run["id"], checkpoint))
    wake_scheduler(ws)
    return resumed


def cancel_runs(ws: Workspace, refs: list[str], wait_s: float = 15.0) -> list[tuple[str, str]]:
    """Cancel runs by id or name; [(id, what happened)]. Unknown ids fail before anything changes."""
    from fertui.scheduler.executors import make_executor
    from fertui.scheduler.outcome import record_stop

    store = Store(ws.store_path)
    runs = list({r["id"]: r for r in (store.resolve_run(ref) for ref in refs)}.values())
    results: dict[str, str] = {}
    stopping: list[dict] = []
    now = time.time()
    for run in runs:
        waiting = store.claim_run(run["id"], ("queued", "held"), {"status": "cancelled", "ended": now})
        if waiting:
            record_stop(ws.run_dir(run["id"]), "cancel")  # a restore one write behind must not queue it again
            results[run["id"]] = f"cancelled (was {run['status'] if run['status'] == 'held' else 'queued'})"
            continue
        marked = store.claim_run(run["id"], ("running",), {"stop_requested": "cancel"})
        if marked:
            record_stop(ws.run_dir(run["id"]), "cancel")
            stopping.append(marked)
        else:
            results[run["id"]] = f"already {store.get_run(run['id'])['status']}"
    if stopping:
        executor = make_executor(ws)
        grace = float(ws.setting("scheduler", "cancel_grace_s"))
        threads = [threading.Thread(target=executor.cancel, args=(run, grace)) for run in stopping]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for run in stopping:
            results[run["id"]] = _wait_recorded(ws, store, executor, run, wait_s)
    return [(run["id"], results[run["id"]]) for run in runs]


def _wait_recorded(ws: Workspace, store: Store, executor, run: dict, wait_s: float) -> str:
    """Let the watching scheduler record the end; record it here if none does in time."""
    from fertui.scheduler.daemon import daemon_status
    from fertui.scheduler.outcome import classify

    deadline = time.monotonic() + (wait_s if daemon_status(ws) else 0)
    while True:
        status = store.get_run(run["id"])["status"]
        if status != "running":
            return status
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    run_dir = ws.run_dir(run["id"])
    fields = classify(run, executor.read_exit(run, run_dir) or {"ended": time.time()}, run_dir)
    done = store.claim_run(run["id"], ("running",), fields)
    return done["status"] if done else store.get_run(run["id"])["status"]
