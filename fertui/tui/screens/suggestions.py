"""Screen 5, Suggest: what to run next in a sweep, with reasons; `e` queues the selected one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.screens.sweep_choice import next_sweep


class SuggestionsScreen(ConsoleScreen):
    MODE = "suggest"
    TITLE = "Suggest"
    BINDINGS = [Binding("s", "next_sweep", "Next sweep")]

    def __init__(self):
        super().__init__()
        self.sweep: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="suggest-head", classes="status-line")
        yield Static(id="suggest-body")

    def refresh_state(self) -> None:
        if self.sweep is None:
            self.sweep = next_sweep(self.app, None)
        self.query_one("#suggest-head", Static).update(f"sweep {self.sweep or '(none yet)'}")
        self.query_one("#suggest-body", Static).update("sweeps not available (fertui.sweeps.suggest is missing)")

    def action_next_sweep(self) -> None:
        self.sweep = next_sweep(self.app, self.sweep)
        self.refresh_state()
