"""`?`: the keys of the screen underneath and of the whole console, read from the bindings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from fertui.tui.widgets.screen_tabs import SCREENS

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "escape": "esc",
    "enter": "enter",
}


def key_label(keys: str) -> str:
    return " ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def help_text(screen) -> Text:
    """The keys of SCREEN (from its bindings, so never out of date) and the global ones."""
    rows = [(f"{getattr(screen, 'TITLE', '') or 'this'} screen", None)]
    rows += [(key_label(b.key), b.description) for b in getattr(screen, "BINDINGS", [])]
    rows += [
        ("", ""),
        ("everywhere", None),
        ("1-4", "  ".join(f"{key} {label}" for _, key, label in SCREENS[:4])),
        ("5-8", "  ".join(f"{key} {label}" for _, key, label in SCREENS[4:])),
        ("a", "add a config or sweep from configs/"),
        ("ctrl+p", "command palette: every action by name"),
        ("?", "this help"),
        ("q", "quit (jobs keep running under the daemon)"),
    ]
    text = Text()
    for key, description in rows:
        if description is None:
            text.append(f"{key}\n", style="bold underline")
        else:
            text.append(f"{key:>8}  ", style="bold")
            text.append(f"{description}\n")
    return text


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, under):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(help_text(self.under), id="help-text")
            yield Static("escape closes", classes="hint")

    def action_dismiss(self) -> None:
        self.dismiss()
