"""Screen 5, Suggest: what to run next in a sweep, with reasons; `e` queues the selected one."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.screens.sweep_choice import next_sweep
from fertui.tui.widgets.keyed_table import KeyedTable

HOW_MANY = 8
COLUMNS = (("kind", "kind"), ("params", "params"), ("reason", "reason"))


class SuggestionsScreen(ConsoleScreen):
    MODE = "suggest"
    TITLE = "Suggest"
    BINDINGS = [
        Binding("e", "enqueue", "Enqueue"),
        Binding("s", "next_sweep", "Next sweep"),
        Binding("g", "recompute", "Recompute"),
    ]

    def __init__(self):
        super().__init__()
        self.sweep: str | None = None
        self.suggestions: list = []
        self._computed_for: tuple | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="suggest-head", classes="status-line")
        yield KeyedTable(id="suggest-table")
        yield Static(id="suggest-reason")

    def refresh_state(self) -> None:
        if self.sweep is None:
            self.sweep = next_sweep(self.app, None)
        head = self.query_one("#suggest-head", Static)
        if self.sweep is None:
            head.update("no sweeps yet: press a and pick a sweep config (one with a [sweep] table)")
            return
        # New suggestions only when one of the sweep's runs was added, started or ended (a
        # suggested cell that starts or finishes changes what is worth running): Optuna is not free.
        states = tuple(
            sorted((r["id"], r.get("status")) for r in self.app.runs.values() if r.get("sweep") == self.sweep)
        )
        key = (self.sweep, states)
        if key == self._computed_for:
            return
        self._computed_for = key
        head.update(f"sweep {self.sweep} · computing suggestions…")
        self._compute(self.sweep, key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _compute(self, sweep: str, key: tuple) -> None:
        from fertui.errors import UserError
        from fertui.sweeps.suggest import suggest

        try:
            found = suggest(self.app.ws, sweep, HOW_MANY)
        except UserError as exc:
            self.app.call_from_thread(self._show, key, [], str(exc))
            return
        self.app.call_from_thread(self._show, key, found, "")

    def _show(self, key: tuple, found: list, problem: str) -> None:
        from fertui.sweeps.ranking import describe

        if key != self._computed_for:  # the sweep changed since: a newer computation is on its way
            return
        sweep = key[0]
        self.suggestions = found
        rows = [(str(i), (s.kind, describe(s.params), s.reason)) for i, s in enumerate(found)]
        self.query_one(KeyedTable).set_rows(COLUMNS, rows)
        head = f"sweep {sweep} · {len(found)} suggestion(s) · e queues the selected one · s next sweep"
        self.query_one("#suggest-head", Static).update(problem or head)
        self._show_reason()

    @on(DataTable.RowHighlighted)
    def _show_reason(self) -> None:
        chosen = self._selected()
        self.query_one("#suggest-reason", Static).update(f"why: {chosen.reason}" if chosen else "")

    def _selected(self):
        key = self.query_one(KeyedTable).current_key()
        if key is None or not key.isdigit() or int(key) >= len(self.suggestions):
            return None
        return self.suggestions[int(key)]

    def action_enqueue(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self.app.notify("no suggestion selected", severity="warning")
            return
        self._enqueue(self.sweep, chosen)

    @work(thread=True, exit_on_error=False, group="suggest-enqueue")
    def _enqueue(self, sweep: str, chosen) -> None:
        from fertui.errors import UserError
        from fertui.sweeps.ranking import describe
        from fertui.sweeps.suggest import enqueue_suggestions

        try:
            ids = enqueue_suggestions(self.app.ws, sweep, [chosen])
        except UserError as exc:
            self.app.notify(str(exc), severity="error", markup=False)
            return
        self.app.notify(f"queued {', '.join(ids)}: {describe(chosen.params)}", markup=False)

    def action_next_sweep(self) -> None:
        self.sweep = next_sweep(self.app, self.sweep)
        self._computed_for = None
        self.refresh_state()

    def action_recompute(self) -> None:
        self._computed_for = None
        self.refresh_state()
