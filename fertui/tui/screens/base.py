"""What every console screen shares: the tab line, the footer, and a state refresh hook."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from fertui.tui.widgets.screen_tabs import ScreenTabs


class ConsoleScreen(Screen):
    MODE = ""

    def compose(self) -> ComposeResult:
        yield ScreenTabs(self.MODE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        return iter(())

    def on_screen_resume(self) -> None:
        self.refresh_state()

    def refresh_state(self) -> None:
        """Redraw from the app's latest store snapshot (called on each store change)."""

    def update_alert_badge(self, count: int) -> None:
        for tabs in self.query(ScreenTabs):
            tabs.update_alerts(count)

    @property
    def console(self):
        return self.app
