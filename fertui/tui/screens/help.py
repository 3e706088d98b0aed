"""`?`: the keys of the screen underneath and of the whole console, read from the bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fertui.tui.widgets.screen_tabs import SCREENS

KEY_NAMES = {"question_mark": "?", "slash": "/", "space": "space", "plus": "+", "minus": "-",
             "equals_sign": "=", "escape": "esc", "enter": "enter"}


def key_label(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, under):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        title = getattr(self.under, "TITLE", "") or "this screen"
        table.add_row(f"[{title}]", "")
        for b in getattr(self.under, "BINDINGS", []):
            table.add_row(key_label(b.key), b.description)
        table.add_row("", "")
        table.add_row("[everywhere]", "")
        table.add_row("1-8", "  ".join(f"{key} {label}" for _, key, label in SCREENS))
        table.add_row("enter", "open the run under the cursor (Runs, Queue)")
        table.add_row("a", "add a config or sweep from configs/")
        table.add_row("ctrl+p", "command palette: every action by name")
        table.add_row("?", "this help")
        table.add_row("q", "quit (jobs keep running under the daemon)")
        with VerticalScroll(id="dialog"):
            yield Static(table)
            yield Static("escape closes", classes="hint")

    def action_dismiss(self) -> None:
        self.dismiss()
