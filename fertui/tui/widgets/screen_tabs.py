"""The top line: numbered screens (the keys that switch to them) and unacknowledged alerts."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

SCREENS = (  # (mode, key, label)
    ("runs", "1", "Runs"),
    ("detail", "2", "Run"),
    ("queue", "3", "Queue"),
    ("board", "4", "Board"),
    ("suggest", "5", "Suggest"),
    ("bench", "6", "Bench"),
    ("alerts", "7", "Alerts"),
    ("gpus", "8", "GPUs"),
)


class ScreenTabs(Static):
    DEFAULT_CSS = """
    ScreenTabs { height: 1; width: 1fr; background: $panel; }
    """

    def __init__(self, current: str, **kwargs):
        super().__init__(**kwargs)
        self.current = current

    def on_mount(self) -> None:
        self.update_alerts(getattr(self.app, "open_alert_count", lambda: 0)())

    def update_alerts(self, open_alerts: int) -> None:
        self.open_alerts = open_alerts
        wide = self.size.width == 0 or self.size.width >= 96
        text = Text()
        for mode, key, label in SCREENS:
            style = "bold reverse" if mode == self.current else ""
            text.append(f" {key}" if wide else key, style=f"bold {style}".strip())
            text.append(f" {label} " if wide else f"{label} ", style=style)
        if open_alerts:
            text.append(f" !{open_alerts} alert{'s' if open_alerts > 1 else ''}", style="bold red")
        self.update(text)

    def on_resize(self) -> None:
        self.update_alerts(getattr(self, "open_alerts", 0))
