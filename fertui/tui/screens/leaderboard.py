"""Screen 4, Board: the sweep's pivot as a heatmap, the isolation view, and A-vs-B compare."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.screens.sweep_choice import next_sweep


class LeaderboardScreen(ConsoleScreen):
    MODE = "board"
    TITLE = "Board"
    BINDINGS = [Binding("s", "next_sweep", "Next sweep")]

    def __init__(self):
        super().__init__()
        self.sweep: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="board-head", classes="status-line")
        yield Static(id="board-body")

    def refresh_state(self) -> None:
        if self.sweep is None:
            self.sweep = next_sweep(self.app, None)
        self.query_one("#board-head", Static).update(f"sweep {self.sweep or '(none yet)'}")
        self.query_one("#board-body", Static).update("sweeps not available (fertui.sweeps.board is missing)")

    def action_next_sweep(self) -> None:
        self.sweep = next_sweep(self.app, self.sweep)
        self.refresh_state()
