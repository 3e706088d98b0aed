"""The console's one watcher thread: store snapshots and event tails, posted as messages.

Every source is checked by stat first (mtime, size, inode), so an idle store costs a few system
calls a tick. Of the finished runs' partitions it reads the newest ones (about ``RECENT_RUNS``
runs), ``OLDER_STEP`` more each time the UI asks (``load_older``; a table of 10,000 rows takes
Textual seconds to fill, a step of 1,000 well under one), all of them for a filter
(``load_all``), and parses again only the partitions whose files changed. The thread never
touches a widget; it calls POST (the app's thread-safe ``post_message``) and waits for the app
to take a snapshot before parsing the next one, so a busy UI is never flooded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from fertui.errors import UserError
from fertui.events import EVENT_FILES, EventTail
from fertui.store import Store, file_signature
from fertui.terminal_text import printable
from fertui.tui.messages import LogTail, RunEvents, StoreChanged
from fertui.workspace import Workspace

LOG_TAIL_BYTES = 16 << 10
LOG_TAIL_LINES = 60
RECENT_RUNS = 500  # finished runs the console opens on; older partitions load on demand
OLDER_STEP = 1000  # finished runs each `o` adds


class Watcher:
    def __init__(self, ws: Workspace, post: Callable[[object], object], interval: float = 0.2):
        self.ws = ws
        self.post = post
        self.interval = interval
        self.stop_event = threading.Event()
        self.snapshot_taken = threading.Event()
        self.snapshot_taken.set()
        self.wanted: frozenset[str] = frozenset()  # runs the UI shows curves of (set from the UI thread)
        self.log_run: str | None = None
        self._store_sig = None
        self.store = Store(ws.store_path)
        self.runs_wanted: float = RECENT_RUNS  # raised from the UI thread: the user asked for older runs
        self.partitions_left = 0  # partitions not loaded (the Runs screen says so)
        self._parts: dict[str, tuple[object, dict]] = {}  # name -> (file signature, its runs)
        self._running: frozenset[str] = frozenset()
        self._queued: frozenset[str] = frozenset()
        self._tails: dict[str, list[EventTail]] = {}
        self._log_sig = None
        self.last_error = ""

    # ---- called from the UI thread --------------------------------------------------------
    def want(self, run_ids) -> None:
        self.wanted = frozenset(run_ids)

    def show_log(self, run_id: str | None) -> None:
        self.log_run = run_id
        self._log_sig = None

    def stop(self) -> None:
        self.stop_event.set()

    # ---- the thread -----------------------------------------------------------------------
    def run(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        while not self.stop_event.is_set() and not cancelled():
            try:
                self.poll_once()
            except OSError as exc:  # a run folder removed or unreadable for a moment: keep watching
                self.last_error = f"{type(exc).__name__}: {exc}"
            self.stop_event.wait(self.interval)

    def poll_once(self) -> None:
        self._poll_store()
        self._poll_events()
        self._poll_log()

    def load_older(self, more: int | None = None) -> None:
        """From now on load MORE older finished runs (default OLDER_STEP); from the UI thread."""
        self.runs_wanted += OLDER_STEP if more is None else more

    def load_all(self) -> None:
        """From now on load every partition (a filter searches all runs); from the UI thread."""
        self.runs_wanted = float("inf")

    def _poll_store(self) -> None:
        if not self.snapshot_taken.is_set():
            return  # back-pressure: the app has not taken the previous snapshot yet
        sig = (file_signature(self.ws.store_path), file_signature(self.store.parts.folder), self.runs_wanted)
        if sig == self._store_sig:
            return
        try:
            hot = self.store.snapshot()  # migrates an older single-file store on first use
            runs = self._partition_runs(hot)
        except UserError:
            return  # a store being restored by hand: keep the last good view
        self._store_sig = sig
        active = hot.get("runs", {})
        runs.update(active)  # a run in both (moving right now): the hot copy is the newer
        self._running = frozenset(r["id"] for r in active.values() if r.get("status") == "running")
        self._queued = frozenset(r["id"] for r in active.values() if r.get("status") == "queued")
        self.snapshot_taken.clear()
        self.post(StoreChanged({**hot, "runs": runs}))

    def _partition_runs(self, hot: dict) -> dict[str, dict]:
        """{number: run} of the partitions shown: the newest ones holding about ``runs_wanted``
        runs; only changed files parsed."""
        index = self.store.parts.read_index()
        order = self.store.partition_order(index)
        chosen, count = [], 0
        for name in order:
            if count >= self.runs_wanted:
                break
            chosen.append(name)
            count += sum(hi - lo + 1 for lo, hi in index.get(name, [])) or RECENT_RUNS
        self.partitions_left = len(order) - len(chosen)
        runs: dict[str, dict] = {}
        kept = {}
        for name in chosen:
            sig = file_signature(self.store.parts.path(name))
            cached = self._parts.get(name)
            if cached is None or cached[0] != sig:
                cached = (sig, self.store.parts.read(name))
            kept[name] = cached
            runs.update(cached[1])
        self._parts = kept
        return runs

    def _poll_events(self) -> None:
        # Queued runs too: a job that starts and turns NaN between two store writes must still
        # raise its alert within a second; a missing events file costs one failed stat.
        active = self._running | self._queued | self.wanted
        for run_id in active:
            tails = self._tails.get(run_id)
            if tails is None:  # the job's own events and what the manager captured of its output
                folder = self.ws.run_dir(run_id)
                tails = self._tails[run_id] = [EventTail(folder / name) for name in EVENT_FILES]
                self._read(run_id, tails, reset=run_id in self.wanted)
            else:
                self._read(run_id, tails)
        for run_id in list(self._tails):
            if run_id not in active:  # finished and not shown: read to the end, then let go
                self._read_to_end(run_id, self._tails.pop(run_id))

    def _read(self, run_id: str, tails: list[EventTail], reset: bool = False) -> None:
        sizes = []
        for tail in tails:
            try:
                sizes.append(os.stat(tail.path).st_size)
            except FileNotFoundError:
                sizes.append(0)
        if any(size < tail.offset for size, tail in zip(sizes, tails)):
            reset = True  # the run was retried and its event files started over
            for tail in tails:
                tail.offset = 0
        if not reset and all(size == tail.offset for size, tail in zip(sizes, tails)):
            return
        events = [e for tail in tails for e in tail.read()]
        if events or reset:
            self.post(RunEvents(run_id, events, reset))

    def _read_to_end(self, run_id: str, tails: list[EventTail]) -> None:
        """Every event left in a finished run's files, one read's worth per message: its curves
        then end where its stored summary does, however much it wrote in its last moments."""
        while True:
            before = [tail.offset for tail in tails]
            self._read(run_id, tails)
            if [tail.offset for tail in tails] == before:
                return

    def _poll_log(self) -> None:
        run_id = self.log_run
        if run_id is None:
            return
        path = self.ws.run_dir(run_id) / "stdout.log"
        sig = file_signature(path)
        if sig == self._log_sig:
            return
        self._log_sig = sig
        self.post(LogTail(run_id, read_last_lines(path)))


def read_last_lines(path: Path, max_bytes: int = LOG_TAIL_BYTES, lines: int = LOG_TAIL_LINES) -> list[str]:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except FileNotFoundError:
        return []
    return printable(data.decode("utf-8", errors="replace")).splitlines()[-lines:]
