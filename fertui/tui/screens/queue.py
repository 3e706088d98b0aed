"""Screen 3, Queue: running and queued runs in scheduling order; reorder, cancel, retry, pause."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fertui.presentation import STATUS_STYLE, fmt_duration, middle_cut
from fertui.tui.screens.actions import call_scheduler, cancel_run, retry_run
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.keyed_table import KeyedTable

COLUMNS = (
    ("id", "id"),
    ("name", "name"),
    ("status", "status"),
    ("priority", "prio"),
    ("slot", "slot"),
    ("attempts", "tries"),
    ("waited", "waited"),
)


def where(run: dict) -> str:
    """The local slot, or the Slurm job id with its partition and node."""
    if run.get("slurm_job"):
        place = "/".join(str(run[k]) for k in ("partition", "node") if run.get(k))
        return f"#{run['slurm_job']} {place}".strip()
    return "" if run.get("slot") is None else str(run["slot"])


class QueueScreen(ConsoleScreen):
    MODE = "queue"
    TITLE = "Queue"
    BINDINGS = [
        Binding("plus,equals_sign", "priority(1)", "Priority +"),
        Binding("minus", "priority(-1)", "Priority -"),
        Binding("c", "cancel", "Cancel"),
        Binding("r", "retry", "Retry"),
        Binding("p", "pause", "Pause/resume"),
        Binding("d", "drain", "Drain"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="queue-state", classes="status-line")
        yield KeyedTable(id="queue-table")

    def refresh_state(self) -> None:
        order = ("running", "queued", "held")  # held: a failing sweep's runs, after what will start
        runs = [r for r in self.app.runs.values() if r.get("status") in order]
        runs.sort(key=lambda r: (order.index(r["status"]), -(r.get("priority") or 0), r["id"]))
        now = self.app.now()
        rows = [
            (
                r["id"],
                (
                    r["id"],
                    middle_cut(r.get("name") or "", 34),
                    Text(r["status"], style=STATUS_STYLE.get(r["status"], "")),
                    str(r.get("priority") or 0),
                    where(r),
                    str(r.get("attempts") or 0),
                    fmt_duration(now - r["created"]) if r["status"] == "queued" and r.get("created") else "",
                ),
            )
            for r in runs
        ]
        self.query_one(KeyedTable).set_rows(COLUMNS, rows)
        self._show_state(len(runs))

    def _show_state(self, count: int) -> None:
        line = self.query_one("#queue-state", Static)
        from fertui.scheduler.daemon import daemon_status

        state, daemon = queue_state(self.app), daemon_status(self.app.ws)
        who = f"scheduler pid {daemon['pid']} ({daemon.get('mode', 'daemon')})" if daemon else "no scheduler running"
        line.update(f"{count} waiting or running · queue {state} · {who}")

    def _selected(self) -> str | None:
        return self.query_one(KeyedTable).current_key()

    def action_cancel(self) -> None:
        cancel_run(self, self._selected())

    def action_retry(self) -> None:
        retry_run(self, self._selected())

    def action_priority(self, delta: int) -> None:
        run = self.app.runs.get(self._selected() or "")
        if run is None or run.get("status") != "queued":
            self.app.notify("priority only changes the order of queued runs", severity="warning")
            return
        new = (run.get("priority") or 0) + delta
        call_scheduler(self.app, "control.set_priority", [run["id"], new], f"run {run['id']} priority {new}")

    def action_pause(self) -> None:
        if queue_state(self.app) == "active":
            call_scheduler(self.app, "queue_state.pause", [], "queue paused: running jobs go on, no new ones start")
        else:
            call_scheduler(self.app, "queue_state.resume", [], "queue active: queued runs start again")
        self.set_timer(0.3, self.refresh_state)

    def action_drain(self) -> None:
        call_scheduler(self.app, "queue_state.drain", [], "draining: running jobs finish, then the daemon exits")
        self.set_timer(0.3, self.refresh_state)


def queue_state(app) -> str:
    """The queue state from the snapshot the app already holds: queue_state.queue_state would
    read the store again on the UI thread."""
    from fertui.scheduler.queue_state import queue_of

    return queue_of(app.snapshot)
