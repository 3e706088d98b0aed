"""Screen 7, Alerts: NaN losses, failures and OOMs, kept until acknowledged."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fertui.presentation import middle_cut
from fertui.tui.rows import fmt_time
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.keyed_table import KeyedTable

COLUMNS = (("time", "time"), ("kind", "kind"), ("run", "run"), ("name", "name"), ("message", "message"))
KIND_STYLE = {"nan": "bold magenta", "failed": "bold red", "oom": "red", "lost": "red"}


def message_line(group: dict, run_name: str = "") -> str:
    text = str(group.get("message") or "").splitlines()
    line = text[0] if text else ""
    if run_name and line.startswith(run_name + ": "):  # the name has its own column
        line = line[len(run_name) + 2 :]
    return f"{line} (+{group['count'] - 1} more)" if group.get("count", 1) > 1 else line


class AlertsScreen(ConsoleScreen):
    MODE = "alerts"
    TITLE = "Alerts"
    BINDINGS = [
        Binding("k", "ack", "Acknowledge"),
        Binding("K", "ack_all", "Ack all"),
        Binding("h", "toggle_history", "Show acked"),
    ]

    def __init__(self):
        super().__init__()
        self.show_acked = False

    def compose_body(self) -> ComposeResult:
        yield Static(id="alerts-head", classes="status-line")
        yield KeyedTable(id="alerts-table")

    def visible(self) -> list[dict]:
        return [a for a in reversed(self.app.alerts()) if self.show_acked or not a.get("acked")]

    def refresh_state(self) -> None:
        alerts = self.visible()
        rows = []
        for a in alerts:
            run = self.app.runs.get(a.get("run") or "", {})
            style = "dim" if a.get("acked") else KIND_STYLE.get(a.get("kind"), "")
            rows.append(
                (
                    a["key"],
                    (
                        fmt_time(a.get("time")),
                        Text(str(a.get("kind")), style=style),
                        a.get("run") or "",
                        middle_cut(run.get("name") or "", 24),
                        Text(message_line(a, run.get("name") or ""), style="dim" if a.get("acked") else ""),
                    ),
                )
            )
        self.query_one(KeyedTable).set_rows(COLUMNS, rows)
        open_count = sum(1 for a in alerts if not a.get("acked"))
        self.query_one("#alerts-head", Static).update(
            f"{open_count} open alert{'s' if open_count != 1 else ''}"
            + (" (acknowledged shown dim)" if self.show_acked else "")
            if alerts
            else "no open alerts"
        )

    def _selected(self) -> list[dict]:
        key = self.query_one(KeyedTable).current_key()
        return [a for a in self.visible() if a["key"] == key]

    def action_ack(self) -> None:
        chosen = [a for a in self._selected() if not a.get("acked")]
        if chosen:
            self.app.acknowledge(chosen)
            self.refresh_state()
            self.update_alert_badge(self.app.open_alert_count())

    def action_ack_all(self) -> None:
        chosen = [a for a in self.visible() if not a.get("acked")]
        if chosen:
            self.app.acknowledge(chosen)
            self.refresh_state()
            self.update_alert_badge(self.app.open_alert_count())

    def action_toggle_history(self) -> None:
        self.show_acked = not self.show_acked
        self.refresh_state()
