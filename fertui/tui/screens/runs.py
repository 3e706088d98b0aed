"""Screen 1, Runs: every run, live, filterable by a name glob, sortable, markable."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from fertui.tui import watcher as watching
from fertui.tui.rows import shown_runs
from fertui.tui.screens.actions import cancel_run, retry_run
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.runs_table import RunsTable

FILTER_PAUSE_S = 0.15


class RunsScreen(ConsoleScreen):
    MODE = "runs"
    TITLE = "Runs"
    BINDINGS = [
        Binding("enter", "open", "Open"),
        # priority: handled as the key arrives, so the keys typed right after it reach the box
        Binding("slash", "filter", "Filter", priority=True),
        Binding("space", "mark", "Mark"),
        Binding("c", "cancel", "Cancel"),
        Binding("r", "retry", "Retry"),
        Binding("s", "sort", "Sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding("o", "older", "Older runs", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self):
        super().__init__()
        self.pattern = ""
        self.finished_shown = watching.RECENT_RUNS  # `o` adds watching.OLDER_STEP
        self.finished_hidden = 0
        self._filter_timer = None

    def compose_body(self) -> ComposeResult:
        table = RunsTable(id="runs-table")
        yield table
        yield Input(placeholder="filter by name: a glob like *depth4* (enter: keep, escape: clear)", id="filter")
        yield Static(id="runs-status", classes="status-line")

    def on_mount(self) -> None:
        table = self.query_one(RunsTable)
        table.marked = self.app.marked  # one set of marks, shared with the Run screen
        self.query_one("#filter").display = False

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    def refresh_state(self) -> None:
        rows, self.finished_hidden = shown_runs(self.app.runs, self.pattern, self.finished_shown)
        self.table.sync(rows)
        self._update_status()

    def _update_status(self) -> None:
        runs = self.app.runs.values()
        running = sum(1 for r in runs if r.get("status") == "running")
        queued = sum(1 for r in runs if r.get("status") == "queued")
        table = self.table
        parts = [
            f"{table.row_count}/{len(self.app.runs)} runs",
            f"{running} running",
            f"{queued} queued",
            f"sort {table.sort_column}{'↓' if table.sort_reverse else '↑'}",
        ]
        if self.pattern:
            parts.append(f"filter {self.pattern}")
        if self.app.marked:
            parts.append(f"{len(self.app.marked)} marked")
        if self.finished_hidden or (self.app.watcher.partitions_left and not self.pattern):
            parts.append("o: older runs")
        if not self.app.runs:
            parts = ["no runs yet: press a to queue a config from configs/"]
        self.query_one("#runs-status", Static).update(" · ".join(parts))

    # ---- keys ---------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.open_run(event.row_key.value)

    def action_open(self) -> None:
        run_id = self.table.current_run_id()
        if run_id:
            self.app.open_run(run_id)

    def action_older(self) -> None:
        """About 1,000 more of the older finished runs per press (a year of sweeps is big)."""
        self.finished_shown += watching.OLDER_STEP
        self.app.watcher.load_older()
        self.refresh_state()

    def action_filter(self) -> None:
        self.app.watcher.load_all()  # a filter looks for a run: among all of them
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)  # now, not after a refresh: the next keys are already on their way

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Applied once typing pauses: each keystroke of "depth4" would re-fill the table
        # with another thousand matches that the next keystroke throws away.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_PAUSE_S, lambda: self._apply_filter(event.value.strip()))

    def _apply_filter(self, pattern: str) -> None:
        self._filter_timer = None
        self.pattern = pattern
        self.refresh_state()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one("#filter", Input)
        if self._filter_timer is not None:  # enter before the pause: apply it now
            self._filter_timer.stop()
            self._apply_filter(box.value.strip())
        box.display = bool(self.pattern)
        self.set_focus(self.table)

    def action_clear_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.pattern = ""
        self.refresh_state()
        self.set_focus(self.table)

    def action_mark(self) -> None:
        run_id = self.table.current_run_id()
        if run_id:
            self.table.toggle_mark(run_id)
            self.table.action_cursor_down()
            self._update_status()

    def action_cancel(self) -> None:
        cancel_run(self, self.table.current_run_id())

    def action_retry(self) -> None:
        retry_run(self, self.table.current_run_id())

    def action_sort(self) -> None:
        self.table.cycle_sort()
        self._update_status()

    def action_sort_reverse(self) -> None:
        self.table.cycle_sort(reverse=True)
        self._update_status()
