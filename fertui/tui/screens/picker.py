"""`a`: pick a config or sweep from configs/ and queue it; a bad config queues nothing."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def config_files(configs_dir: Path) -> list[Path]:
    if not configs_dir.is_dir():
        return []
    from fertui.sweeps.references import FILE_NAME as REFERENCES  # published results, not a run config

    return sorted(p for p in configs_dir.rglob("*.toml") if not p.name.startswith(".") and p.name != REFERENCES)


def plan_and_enqueue(ws, path: Path) -> list[str]:
    """Validate PATH, expand a sweep, and queue every run: all of them or none."""
    from fertui.config import load_config
    from fertui.plan import enqueue, plan_runs

    def best_of(sweep_name: str) -> dict:
        from fertui.sweeps.best import best_config

        return best_config(ws, sweep_name)

    docs = plan_runs(load_config(path, [], best_of), ws)
    return enqueue(ws, docs)


class ConfigPicker(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, ws):
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        files = config_files(self.ws.configs_dir)
        with Vertical(id="dialog"):
            yield Static(f"Queue a config or sweep from {self.ws.configs_dir}", classes="title")
            if files:
                yield OptionList(
                    *(Option(str(p.relative_to(self.ws.configs_dir)), id=str(p)) for p in files), id="configs"
                )
            else:
                yield Static("no .toml files in configs/")
            yield Static("enter queues · escape closes", classes="hint")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Path(event.option.id))

    def action_dismiss(self) -> None:
        self.dismiss(None)
