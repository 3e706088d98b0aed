"""The scheduler loop, shared by the daemon and a foreground ``fertui run``.

Each tick: read the store once; ingest the events of every watched job; close the jobs that
ended; start queued runs (priority, then FIFO) on free slots; write the summaries at most
about once a second in one store write. Between ticks it sleeps on the wake pipe, so
``fertui add`` (and a job's exit, via SIGCHLD) wakes it at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fertui.config.schema import duration_seconds, field_for
from fertui.depends import dependency_state
from fertui.errors import DiskFull, StoreDamaged
from fertui.metrics import Objective, rank_key
from fertui.notify import Event as NotifyEvent
from fertui.notify import notifier_for
from fertui.provenance.record import record_start
from fertui.scheduler.activity import Activity, span
from fertui.scheduler.executor import Executor, Slot
from fertui.scheduler.executors import make_executor
from fertui.scheduler.failstop import SAME_FAILURE_STATES, hold_sweep, same_failures
from fertui.scheduler.hooks import SweepHooks
from fertui.scheduler.ingest import Happening, RunIngest
from fertui.scheduler.jobspec import job_argv, job_env
from fertui.scheduler.launch_record import record_launch
from fertui.scheduler.logfile import setup_logging
from fertui.scheduler.objective_watch import ended_without_message
from fertui.scheduler.outcome import classify, record_stop
from fertui.scheduler.placement import Waiting, occupant
from fertui.scheduler.queue_state import queue_of
from fertui.scheduler.resume import latest_checkpoint, lost_reason, rewind_events
from fertui.scheduler.slots import SlotPool
from fertui.store import ACTIVE_STATES, Store
from fertui.workspace import Workspace

log = logging.getLogger("fertui.scheduler")
BUSY_TICK_S = 0.5
# Live summaries are written on every busy tick (a little under it, so a tick that wakes early
# still writes): a printed value reaches `fertui ls` within about one tick. The hot file holds
# only active runs, so this costs a few ms per write at any store size.
FLUSH_EVERY_S = 0.9 * BUSY_TICK_S
IDLE_TICK_S = 2.0
FULL_READ_EVERY_S = 5.0
ALERT_STATES = ("failed", "oom", "lost", "nan")
DISK_CHECK_EVERY_S = 60.0
GPU_LOOK_EVERY_S = 30.0  # NVML per look: cheap, but a stall is minutes long
STUCK_RETRY_S = 5.0  # a full disk or a damaged store file: how often to try again
QUICK_END_S = 0.05  # how long a tick waits for an ended job's last reads before moving on


@dataclass
class Tracked:
    run: dict
    slot: str
    run_dir: Path
    ingest: RunIngest
    alerted: set = field(default_factory=set)  # alert kinds already raised (one NaN alert, not one per step)
    activity: Activity = field(default_factory=Activity)
    ending: Ending | None = None  # the job has exited; its output is still being read to the end


@dataclass
class Ending:
    """A job that exited, its remaining output being read to the end in a thread: 100,000
    lines took ~14 s on a loaded machine, and read in the loop they held up every other run's
    NaN stop, the queue and cancels. The reads' results are acted on in the loop, once all are in."""

    record: dict | None  # its exit record (None: it vanished)
    reads: list[tuple[list[Happening], bool]] = field(default_factory=list)
    error: BaseException | None = None
    thread: threading.Thread | None = None


class Scheduler:
    def __init__(self, ws: Workspace, executor: Executor | None = None, inventory=None):
        setup_logging(ws)
        self.ws = ws
        self.store = Store(ws.store_path)
        self.executor = executor or make_executor(ws)
        pool_args = {"inventory": inventory} if inventory else {}
        self.pool = SlotPool(ws, slots=self.executor.slots(ws), **pool_args)
        self.grace_s = float(ws.setting("scheduler", "cancel_grace_s"))
        self.retry = int(ws.setting("scheduler", "retry"))
        self.tracked: dict[str, Tracked] = {}
        self.pending: dict[str, dict] = {}
        self.runs: dict[str, dict] = {}  # the store's runs as of the last tick
        self.queue = "active"
        self.started_ids: list[str] = []
        self.finished_ids: list[str] = []
        self._last_flush = 0.0
        self._flush_every = FLUSH_EVERY_S
        self._store_key = None
        self._last_read = 0.0
        self._stopping: set[str] = set()
        self._stop = False
        self._wake = None
        self.hooks = SweepHooks(ws)
        self._disk_checked, self._disk_low = -DISK_CHECK_EVERY_S, False
        self._ended: dict[str, dict] = {}  # dependencies that ended (fertui.depends): read once
        self._sweep_done: dict[str, int] = {}  # done runs of dependency sweeps that have ended
        self.notifier = notifier_for(ws)  # quiet hours' messages wait in runs/, past this scheduler

    # ---- start-up ---------------------------------------------------------------------
    def recover(self) -> None:
        """Watch again every job still running; close the ones that ended while nobody watched."""
        for run in self.store.active_runs():
            if run["status"] == "running":
                self._adopt(run)
        self._flush(force=True)

    def _adopt(self, run: dict) -> None:
        """Watch RUN, recorded running by someone else (a scheduler before this one, a restore)."""
        tracked = self._track(run, run.get("slot") or "?", adopted=True)
        if self.executor.adopt(run):
            log.info("%s adopted (pid %s on %s)", run["id"], run.get("pid"), run.get("slot"))
        else:  # it ended while nobody watched: read it to the end over the next ticks, then close
            self._begin_ending(tracked, self.executor.read_exit(run, tracked.run_dir))

    # ---- the loop ---------------------------------------------------------------------
    def serve(
        self, until: Callable[[Scheduler], bool] | None = None, on_tick: Callable[[Scheduler], None] | None = None
    ) -> None:
        from fertui.wake import WakeListener

        self._wake = WakeListener(self.ws)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGCHLD, lambda *_: self._wake.poke())  # a job ended: look now
        woken = True
        stuck: tuple[str, float] | None = None  # (what, since when) the ticks cannot write
        try:
            # Tell Optuna about trials whose runs ended while nobody watched. Here, not in recover():
            # a sweep of 10,000 runs the study never saw takes over a minute, and a daemon counts as
            # started (ready) once recover() has adopted its jobs.
            self.hooks.reconcile()
            while not self._stop:
                try:
                    self.tick(woken)
                    if stuck is not None:  # space is back, or the store restored: say once what happened
                        kind, since = stuck
                        what = "the workspace disk was full" if kind == "disk_full" else "a store file was damaged"
                        self._alert(None, kind, f"{what} for {time.time() - since:.0f} s; fertui waited and carried on")
                        stuck = None
                except (DiskFull, StoreDamaged) as exc:  # wait without a traceback per tick
                    if stuck is None:
                        stuck = ("disk_full" if isinstance(exc, DiskFull) else "store_damaged", time.time())
                        log.warning("%s; retrying every %.0f s", exc, STUCK_RETRY_S)
                        # The store cannot take an alert now; someone away can still be told.
                        self.notifier.post(NotifyEvent(stuck[0], f"{exc}; fertui waits and retries"))
                except Exception:  # one bad tick (a torn config) must not end the service
                    log.exception("scheduler tick failed")
                if on_tick:
                    on_tick(self)
                if self._stop or (until and until(self)):
                    break
                pause = STUCK_RETRY_S if stuck else BUSY_TICK_S if self.tracked else IDLE_TICK_S
                woken = self._wake.wait(pause)
        finally:
            self.notifier.close()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            self._flush(force=True)
            self._wake.close()

    def request_stop(self) -> None:
        self._stop = True
        if self._wake:
            self._wake.poke()

    def tick(self, woken: bool = True) -> None:
        self._refresh(force=woken)
        for run in [r for r in self.runs.values() if r["status"] == "running" and r["id"] not in self.tracked]:
            self._adopt(run)  # a restore reconciled with a live job: watch it, never start it again
        for run_id, tracked in list(self.tracked.items()):
            doc = self.runs.get(run_id)
            if doc is None or doc["status"] != "running":  # recorded elsewhere (cancel with no scheduler)
                self.tracked.pop(run_id)
                self.pending.pop(run_id, None)
                continue
            tracked.run = doc
            if tracked.ending is None:
                changed = self._ingest(tracked)
                self._watch_activity(tracked, changed)
                state = self.executor.poll(doc)
                if state not in ("exited", "vanished"):
                    continue
                self._begin_ending(
                    tracked, self.executor.read_exit(doc, tracked.run_dir) if state == "exited" else None
                )
            if self._read_ending(tracked):
                self._close(tracked, tracked.ending.record)
        if self.queue == "active":
            self._start_queued()
        if self.pool.gpu_mode:  # also while paused: a GPU whose jobs ended goes back to the lab
            self.pool.let_go_unused([occupant(t.run, t.slot) for t in self.tracked.values()])
        self._check_disk()
        self._flush()

    def _check_disk(self) -> None:
        """One "disk_low" alert when runs/ has less free space than [scheduler] disk_warn_gb, and
        again only after it had recovered; looked at once a minute."""
        now = time.monotonic()
        if now - self._disk_checked < DISK_CHECK_EVERY_S:
            return
        self._disk_checked = now
        limit_gb = float(self.ws.setting("scheduler", "disk_warn_gb") or 0)
        try:
            free_gb = shutil.disk_usage(self.ws.runs_dir).free / 2**30
        except OSError:
            return
        if limit_gb and free_gb < limit_gb and not self._disk_low:
            self._disk_low = True
            self._alert(
                None,
                "disk_low",
                f"only {free_gb:.1f} GB free under {self.ws.runs_dir} (warning below "
                f"{limit_gb:g} GB): `fertui du` shows what the runs take, `fertui clean` "
                "frees checkpoints",
            )
        elif free_gb >= limit_gb:
            self._disk_low = False

    def _refresh(self, force: bool) -> None:
        """Re-read the store if it changed (or when woken, or every few seconds regardless)."""
        try:
            st = os.stat(self.store.path)
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            key = None
        if not force and key == self._store_key and time.monotonic() - self._last_read < FULL_READ_EVERY_S:
            return
        self._store_key, self._last_read = key, time.monotonic()
        snapshot = self.store.snapshot()  # the hot file: active runs only, however big the store
        runs = {r["id"]: r for r in snapshot.get("runs", {}).values()}
        for run_id, old in self.runs.items():  # ended since the last read (here or by a cancel):
            if run_id not in runs and old.get("status") in ("queued", "running"):  # its final doc, once
                runs[run_id] = self.store.get_run(run_id) or old
        self.runs = runs
        self.queue = queue_of(snapshot)

    # ---- starting ---------------------------------------------------------------------
    def _start_queued(self) -> None:
        queued = sorted(
            (r for r in self.runs.values() if r["status"] == "queued"),
            key=lambda r: (-int(r.get("priority") or 0), int(r["id"])),
        )
        queued = [r for r in queued if self._may_start(r)]
        if not queued:
            return
        if not self.pool.gpu_mode:
            for run, slot in zip(queued, self.pool.free({t.slot for t in self.tracked.values()})):
                self._start(run, slot)
            return
        ours = [occupant(t.run, t.slot) for t in self.tracked.values()]
        placer = self.pool.placer(ours, {t.run["pid"] for t in self.tracked.values() if t.run.get("pid")})
        bench_rows = self.store.benchmarks()
        for i, run in enumerate(queued):
            choice = self.pool.take(placer, run, bench_rows)
            if isinstance(choice, Waiting):  # in order: a later run must not overtake it
                self._note_waiting(queued[i:], choice)
                break
            self._start(run, choice)

    def _note_waiting(self, runs: list[dict], waiting: Waiting) -> None:
        """Say in each waiting run why (for `ls` and the console), written only when it changes."""
        head = runs[0]
        if waiting.never:
            doc = self.store.claim_run(
                head["id"],
                ("queued",),
                {"status": "failed", "ended": time.time(), "error": f"cannot start: {waiting.reason}"},
            )
            if doc is not None:
                self.runs[doc["id"]] = doc
                self._alert(doc, "failed", f"{doc['name']} cannot start: {waiting.reason}")
                self.hooks.run_finished(doc)  # a sweep's trial is told, as for any ending
            return
        for run in runs:
            reason = waiting.reason if run is head else f"after {head['id']}: {waiting.reason}"
            if run.get("waiting") != reason:
                run["waiting"] = reason
                self.pending.setdefault(run["id"], {})["waiting"] = reason

    def _start(self, run: dict, slot: Slot) -> None:
        run_dir = self.ws.run_dir(run["id"])
        run_dir.mkdir(parents=True, exist_ok=True)
        self.pending.get(run["id"], {}).pop("waiting", None)  # a reason noted a tick ago is stale now
        argv = job_argv(run, run_dir)
        env = job_env(run, run_dir, slot)
        provenance = self._record_start(run, run_dir, argv, env, slot)
        now = time.time()

        def launch(doc: dict) -> dict:
            if not argv:
                return {"status": "failed", "ended": now, "error": "the run has no command to start"}
            try:
                fields = {**provenance, **self.executor.launch(doc, run_dir, argv, env, slot)}
            except Exception as exc:
                log.exception("%s could not start", doc["id"])
                return {"status": "failed", "ended": time.time(), "error": f"could not start: {exc}"}
            placed = (
                {"gpus": list(slot.gpus), **({"gpu_memory_mb": slot.memory_mb} if slot.memory_mb else {})}
                if slot.gpus
                else {}
            )
            fields = {"started": now, "slot": slot.name, **placed, **fields}
            if doc.get("requeues"):  # resumed in place: `started` is this attempt's (its ETA), this the run's
                fields["first_started"] = doc.get("first_started") or doc.get("started") or now
            record_launch(run_dir, fields)  # before the store write: a restore one write behind sees it
            # A run resumed in place ran again: why it was requeued stays in `requeues`, not as its error.
            return {"status": "running", "waiting": None, "error": None, **fields}

        doc = self.store.claim_run(run["id"], ("queued",), launch)
        if doc is None:
            return  # cancelled (or taken) since the snapshot
        self.runs[doc["id"]] = doc
        if doc["status"] == "running":
            self._track(doc, slot.name)
            self.started_ids.append(doc["id"])
            log.info("%s %s started on %s (pid %s)", doc["id"], doc["name"], slot.name, doc.get("pid"))
        else:
            self._alert(doc, "failed", f"{doc['name']} could not start: {doc.get('error')}")

    def _record_start(self, run: dict, run_dir: Path, argv: list[str], env: dict, slot: Slot) -> dict:
        """The code state and environment RUN starts with, into its folder (provenance/); a
        failure to record costs the record, never the start."""
        try:
            return record_start(run, run_dir, argv, env, self.pool.gpu_names(slot.gpus))
        except Exception:
            log.exception("%s: recording its provenance failed", run["id"])
            return {}

    def _track(self, run: dict, slot: str, adopted: bool = False) -> Tracked:
        run_dir = self.ws.run_dir(run["id"])
        ingest = RunIngest(run, run_dir)
        if run.get("sweep"):
            sweep = self.store.get_sweep(run["sweep"]) or {}
            ingest.judge_by_sweep(sweep)
        tracked = self.tracked[run["id"]] = Tracked(run, slot, run_dir, ingest)
        if adopted:  # its events are replayed from the start, and their alerts were raised already
            tracked.alerted = {a["kind"] for a in self.store.alerts() if a.get("run") == run["id"]}
        return tracked

    # ---- job order ----------------------------------------------------------------------
    def _may_start(self, run: dict) -> bool:
        """A queued run without dependencies, or whose dependencies are met (fertui.depends);
        one whose dependency failed is held, with the reason and one alert."""
        if not (run.get("after_runs") or run.get("after_sweeps")):
            return True
        verdict = dependency_state(run, self._dependency_run, self._sweep_active, self._sweep_done_count)
        reason = verdict.reason or None
        if verdict.state == "failed":
            self.pending.get(run["id"], {}).pop("waiting", None)  # the reason noted while it waited is stale
            doc = self.store.claim_run(
                run["id"], ("queued",), {"status": "held", "waiting": reason, "held_at": time.time()}
            )
            if doc is not None:
                self.runs[doc["id"]] = doc
                self._alert(
                    doc,
                    "dependency_failed",
                    f"{doc['name']}: held, {reason}; `fertui queue resume` or `fertui cancel {doc['id']}`",
                )
            return False
        if run.get("waiting") != reason:
            run["waiting"] = reason
            self.pending.setdefault(run["id"], {})["waiting"] = reason
        return verdict.state == "met"

    def _dependency_run(self, run_id: str) -> dict | None:
        if run_id in self.runs:
            return self.runs[run_id]
        doc = self._ended.get(run_id)
        if doc is None:
            doc = self.store.get_run(run_id)
            if doc is not None and doc["status"] not in ACTIVE_STATES:
                self._ended[run_id] = doc  # an ended run does not change again: read it once
        return doc

    def _sweep_active(self, sweep: str) -> bool:
        return any(r.get("sweep") == sweep and r["status"] in ACTIVE_STATES for r in self.runs.values())

    def _sweep_done_count(self, sweep: str) -> int:
        if sweep not in self._sweep_done:
            self._sweep_done[sweep] = sum(r["status"] == "done" for r in self.store.sweep_runs(sweep))
        return self._sweep_done[sweep]

    # ---- stalled and overdue runs ------------------------------------------------------
    def _watch_activity(self, tracked: Tracked, changed: bool) -> None:
        """One "stalled" alert when a run has reported nothing (no event, no output line) for its
        [job] stall_after; a stop when it runs past its [job] timeout."""
        now = time.time()
        try:
            size = (tracked.run_dir / "stdout.log").stat().st_size
        except OSError:
            size = 0
        job = (tracked.run.get("config") or {}).get("job") or {}
        quiet_for = tracked.activity.observe(now, changed or size != tracked.activity.output_size, size)
        limit = tracked.activity.stall_limit(duration_seconds(job.get("stall_after") or ""))
        if quiet_for > limit and not tracked.activity.stalled:
            tracked.activity.stalled = True
            self._alert(
                tracked.run,
                "stalled",
                f"{tracked.run['name']}: no event or output line for {span(quiet_for)} (limit {span(limit)})",
            )
        self._watch_gpus(tracked, now, limit)
        timeout = duration_seconds(job.get("timeout") or "")
        started = tracked.run.get("started")
        if timeout and isinstance(started, (int, float)) and now - started > timeout:
            self._request_stop(tracked, "timeout")

    def _watch_gpus(self, tracked: Tracked, now: float, limit: float) -> None:
        """One "stalled" alert when every GPU of a run shows 0 % utilisation for LIMIT: a job
        that prints its heartbeat while waiting on a dead data loader or a deadlock."""
        gpus, activity = tracked.run.get("gpus") or [], tracked.activity
        if not gpus or now - activity.gpu_looked < min(GPU_LOOK_EVERY_S, limit / 4):
            return
        activity.gpu_looked = now
        seen = {g.index: g.utilization for g in self.pool.inventory()}
        if any(seen.get(i) is None or seen[i] > 0 for i in gpus):  # unknown counts as working
            activity.gpu_busy, activity.gpu_stalled = now, False
        elif now - activity.gpu_busy > limit and not activity.gpu_stalled:
            activity.gpu_stalled = True
            names = ",".join(f"gpu{i}" for i in gpus)
            self._alert(
                tracked.run,
                "stalled",
                f"{tracked.run['name']}: {names} at 0 % utilisation for "
                f"{span(now - activity.gpu_busy)} (limit {span(limit)})",
            )

    # ---- ingest -----------------------------------------------------------------------
    def _ingest(self, tracked: Tracked) -> bool:
        """One read's worth of a running job's new output; whether it had any."""
        happenings, changed = tracked.ingest.read()
        self._act(tracked, happenings, changed)
        return changed

    def _begin_ending(self, tracked: Tracked, record: dict | None) -> None:
        """The job exited: read its output to the end (a burst before the exit, a daemon that was
        down) in a thread; the run is closed once that is done (``_read_ending``, ``_close``).
        Nothing else touches TRACKED's ingest meanwhile: the loop skips a run that is ending."""
        ending = tracked.ending = Ending(record)

        def read_to_end() -> None:
            try:
                ending.reads.extend(tracked.ingest.read_to_end())
            except BaseException as exc:  # raised in the loop, as if it had read there
                ending.error = exc
            finally:
                if self._wake:
                    self._wake.poke()

        ending.thread = threading.Thread(target=read_to_end, name=f"ending-{tracked.run['id']}", daemon=True)
        ending.thread.start()

    def _read_ending(self, tracked: Tracked) -> bool:
        """True once an ended job's output is all read and acted on; False while it is read."""
        ending = tracked.ending
        ending.thread.join(QUICK_END_S)  # most jobs leave little unread: close them in this tick
        if ending.thread.is_alive():
            return False
        if ending.error is not None:
            tracked.ending = None  # the next tick polls the job again and reads on from here
            raise ending.error
        for happenings, changed in ending.reads:
            self._act(tracked, happenings, changed, ended=True)
        return True

    def _act(self, tracked: Tracked, happenings: list[Happening], changed: bool, ended: bool = False) -> None:
        """Queue the summary for the store and answer what happened: alerts, NaN stops, Optuna's
        intermediate values (and its pruning, unless the job has ENDED already)."""
        run = tracked.run
        bad = tracked.ingest.new_bad_lines()
        if bad:
            log.warning("%s: skipped %d unreadable line(s) in the event files of %s", run["id"], bad, tracked.run_dir)
            tracked.ingest.record.extra["bad_event_lines"] = tracked.ingest.bad_lines
            changed = True
        if changed:
            self.pending[run["id"]] = {"summary": dict(tracked.ingest.summary)}
        if tracked.ingest.params_changed:  # e.g. wandb.config
            tracked.ingest.params_changed = False
            self.pending.setdefault(run["id"], {})["params"] = tracked.ingest.run_params(run)
        for warning in tracked.ingest.capture.warnings:
            self._alert_once(tracked, "capture", f"{run['name']}: {warning}", key=f"capture:{warning}")
        tracked.ingest.capture.warnings.clear()
        for item in happenings:
            event = item.event
            if item.kind == "nan":
                self._alert_once(
                    tracked,
                    "nan",
                    f"{run['name']}: {event.get('metric', 'loss')} is not finite at step {event.get('step')}",
                )
                on_nan = (run.get("config") or {}).get("train", {}).get("on_nan", "stop")
                if run.get("kind") == "command" and on_nan == "stop":  # built-in jobs stop themselves
                    self._request_stop(tracked, "nan")
            elif item.kind == "oom":
                self._alert_once(tracked, "oom", f"{run['name']}: out of memory")
            elif item.kind == "bench_row":
                fields = {k: v for k, v in event.items() if k not in ("type", "time")}
                self.store.add_benchmark({"run": run["id"], **fields}, at=event.get("time"))
            elif item.kind == "epoch" and run.get("sweep") and run["id"] not in self._stopping:
                prune = self.hooks.report_epoch(run, event["epoch"], item.value)
                if prune and not ended:  # a job that has finished is not pruned: it ran every epoch
                    self._request_stop(tracked, "pruned", {"pruned_epoch": event["epoch"]})
        if not ended and run.get("kind") == "command" and "no_metric" not in tracked.alerted:
            self._watch_objective(tracked)

    def _watch_objective(self, tracked: Tracked) -> None:
        """One alert while a command job runs on without its objective (see objective_watch)."""
        job = (tracked.run.get("config") or {}).get("job") or {}
        minutes = job.get("objective_alert_after", field_for("job.objective_alert_after").default)
        missing = tracked.ingest.missing_objective(60 * float(minutes))
        if missing is not None:
            tracked.alerted.add("no_metric")
            self._alert_no_metric(tracked.run, missing.message(tracked.run["name"], job.get("output_scalars", "auto")))

    def _request_stop(self, tracked: Tracked, reason: str, summary: dict | None = None) -> None:
        run_id = tracked.run["id"]
        if run_id in self._stopping:
            return
        self._stopping.add(run_id)
        fields = {"stop_requested": reason, **({"summary": summary} if summary else {})}
        doc = self.store.claim_run(run_id, ("running",), fields)
        if doc is None:
            return
        record_stop(tracked.run_dir, reason, summary)
        tracked.run = doc
        if summary:
            tracked.ingest.record.merge(summary)
        log.info("%s stopping (%s)", run_id, reason)
        threading.Thread(target=self._cancel_quietly, args=(doc,), daemon=True).start()

    def _cancel_quietly(self, run: dict) -> None:
        try:
            self.executor.cancel(run, self.grace_s)
        except Exception:
            log.exception("%s: stopping the job failed", run["id"])
        if self._wake:
            self._wake.poke()

    # ---- ending -----------------------------------------------------------------------
    def _close(self, tracked: Tracked, record: dict | None) -> None:
        """Record how RUN ended; its output has been read to the end (``_read_ending``)."""
        run = tracked.run
        if record and record.get("requeue") and self._requeue_in_place(tracked, record):
            return
        lost = lost_reason(tracked.run, record)
        if lost and latest_checkpoint(run, tracked.run_dir) and self._requeue_in_place(tracked, {"error": lost}):
            return

        def closing(current: dict) -> dict:  # the store's doc: a cancel may have been asked a moment ago
            fields = classify(
                current, record, tracked.run_dir, nan_seen=tracked.ingest.nan_seen, oom_seen=tracked.ingest.oom_seen
            )
            if fields["status"] == "done" and current.get("sweep") and not tracked.ingest.reported_objective():
                fields["no_metric"] = tracked.ingest.objective_name()
            if tracked.ingest.params:
                fields["params"] = tracked.ingest.run_params(current)
            return {**fields, "summary": dict(tracked.ingest.summary)}

        doc = self.store.claim_run(run["id"], ("running",), closing)
        self.tracked.pop(run["id"], None)
        self.pending.pop(run["id"], None)
        self._stopping.discard(run["id"])
        if doc is None:  # someone else recorded the end first: theirs, so the next tick does not adopt it
            current = self.store.get_run(run["id"])
            if current is None:
                self.runs.pop(run["id"], None)
            else:
                self.runs[run["id"]] = current
            return
        self.runs[doc["id"]] = doc
        self.finished_ids.append(doc["id"])
        status = doc["status"]
        log.info("%s %s ended: %s", doc["id"], doc["name"], status)
        if status in ALERT_STATES and status not in tracked.alerted:
            first_line = (doc.get("error") or "").splitlines()[:1]
            self._alert(doc, status, f"{doc['name']}: {status}" + (f" ({first_line[0]})" if first_line else ""))
        if doc.get("no_metric"):
            self._alert_no_metric(doc, ended_without_message(doc["name"], doc["sweep"], doc["no_metric"]))
        if status == "lost" and doc.get("attempts", 0) < self.retry:
            self._requeue(doc)
        self.hooks.run_finished(doc)
        if doc.get("sweep") and status in SAME_FAILURE_STATES:
            self._hold_if_failing(doc["sweep"])
        if doc.get("sweep"):
            self._notify_if_sweep_done(doc["sweep"])

    def _notify_if_sweep_done(self, sweep: str) -> None:
        """Tell someone away that SWEEP has nothing left to run (after any top-up was queued)."""
        if not self.notifier.settings.enabled or any(r.get("sweep") == sweep for r in self.store.active_runs()):
            return
        record = self.store.get_sweep(sweep) or {}
        objective = Objective.of(record.get("objective"), record.get("direction"))
        runs = self.store.sweep_runs(sweep)
        states = Counter(r["status"] for r in runs)
        scored = [
            (((r.get("summary") or {}).get("best") or {}).get(objective.metric), r)
            for r in runs
            if r["status"] == "done"
        ]
        scored = [(v, r) for v, r in scored if isinstance(v, (int, float))]
        best = min(scored, key=lambda vr: rank_key(objective.direction)(vr[0]), default=None)
        line = (
            f"sweep {sweep} finished: {len(runs)} runs ("
            + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
            + ")"
            + (f"; best {objective.metric} {best[0]:.4g} ({best[1]['id']} {best[1]['name']})" if best else "")
        )
        self.notifier.post(NotifyEvent("sweep_done", line, sweep=sweep))

    def _hold_if_failing(self, sweep: str) -> None:
        """Hold the rest of SWEEP when its last K runs failed alike (after top-ups were queued)."""
        k = int(self.ws.setting("scheduler", "stop_after_same_failures"))
        sweep_runs = self.store.sweep_runs(sweep)
        line = same_failures(sweep_runs, k)
        if line is None:
            return
        held = hold_sweep(self.store, sweep_runs)
        for doc in held:
            self.runs[doc["id"]] = doc
        if held:
            log.warning("sweep %s: %d runs failed with %r; %d runs held", sweep, k, line, len(held))
            self._alert(
                None,
                "sweep_held",
                f"sweep {sweep}: the last {k} runs failed with the same error "
                f"({line}); its {len(held)} queued runs are held. Fix the cause, then "
                f"`fertui queue resume {sweep}` (or `fertui cancel --sweep {sweep} --status held`)",
                sweep=sweep,
            )

    def _requeue_in_place(self, tracked: Tracked, record: dict) -> bool:
        """A batch system stopped the job (time limit, preemption, node failure; see slurm.py), or
        it was lost with a checkpoint in its folder (resume.py): queue the same run again in the
        same folder, so the job resumes from its last checkpoint. False: it is closed as usual."""
        run = tracked.run
        if run.get("stop_requested") or run.get("attempts", 0) >= self.retry:
            return False  # out of retries: classify() records it as failed, with the reason
        reason = record.get("error") or "stopped by the batch system"
        attempt = run.get("attempts", 0) + 1
        history = [
            *(run.get("requeues") or []),
            {"time": time.time(), "reason": reason, "slurm_job": run.get("slurm_job")},
        ]
        fields = {
            "status": "queued",
            "attempts": attempt,
            "error": reason,
            "requeues": history,
            "summary": dict(tracked.ingest.summary),
        }
        # The store's doc decides: a cancel asked a moment ago wins over a requeue.
        doc = self.store.claim_run(
            run["id"], ("running",), lambda current: None if current.get("stop_requested") else fields
        )
        if doc is None:
            return False
        rewind_events(tracked.run_dir, attempt)  # before this scheduler can start the next attempt
        self.tracked.pop(run["id"], None)
        self.pending.pop(run["id"], None)
        self.runs[doc["id"]] = doc
        log.info("%s %s requeued: %s", doc["id"], doc["name"], reason)
        self._alert(doc, "requeued", f"{doc['name']}: {reason}; requeued to resume in place (attempt {attempt + 1})")
        return True

    def _requeue(self, doc: dict) -> None:
        from fertui.plan import enqueue
        from fertui.run_docs import clone_for_retry

        try:
            (new_id,) = enqueue(self.ws, [clone_for_retry(doc, doc.get("attempts", 0) + 1)])
        except Exception:
            log.exception("%s: requeueing the lost run failed", doc["id"])
            return
        self.store.update_run(doc["id"], requeued_as=new_id)
        log.info("%s lost; requeued as %s", doc["id"], new_id)

    # ---- store writes and alerts ------------------------------------------------------
    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.pending and (force or now - self._last_flush >= self._flush_every):
            changes, self.pending = self.pending, {}
            try:
                self.store.update_runs(changes)
            except BaseException:  # e.g. a full disk: keep them for the next try
                self.pending = {**changes, **self.pending}
                raise
            self._last_flush = time.monotonic()
            # The hot file holds only active runs, so a write costs the same at any store size;
            # should it still be slow (a loaded NFS), keep writing under ~10 % of the time.
            self._flush_every = max(FLUSH_EVERY_S, 10 * (self._last_flush - now))

    def _alert_no_metric(self, doc: dict, message: str) -> None:
        """One alert per sweep (not one per run, and not again when its runs end) when its runs
        go without the objective; outside a sweep, the caller raises it once per run."""
        sweep = doc.get("sweep")
        # The sweep's record keeps that it was alerted: the alert itself leaves the hot file once
        # newer ones push it into the archive, and the siblings that ended before sit in a partition.
        record = self.store.get_sweep(sweep) if sweep else None
        if sweep and (
            (record or {}).get("no_metric_alerted")
            or any(a["kind"] == "no_metric" and a.get("sweep") == sweep for a in self.store.alerts())
        ):
            return
        self._alert(doc, "no_metric", message)
        if record is not None:  # upsert merges: the spec's fields stay as they are
            self.store.put_sweep({"name": sweep, "no_metric_alerted": True})

    def _alert_once(self, tracked: Tracked, kind: str, message: str, key: str | None = None) -> None:
        """One alert of KIND per run (or per KEY, e.g. one per distinct capture warning)."""
        key = key or kind
        if key not in tracked.alerted:
            tracked.alerted.add(key)
            self._alert(tracked.run, kind, message)

    def _alert(self, run: dict | None, kind: str, message: str, **extra) -> None:
        run_id = run["id"] if run else None  # None: about the workspace, not one run
        if run and run.get("sweep"):  # alerts of a sweep's runs are found by sweep once the runs move
            extra.setdefault("sweep", run["sweep"])
        try:
            self.store.add_alert(run_id, kind, message, **extra)
        except Exception:
            log.exception("%s: writing the %s alert failed", run_id, kind)
        self.notifier.post(NotifyEvent(kind, message, run_id, extra.get("sweep")))
