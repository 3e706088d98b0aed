"""Messages the watcher thread posts to the app (the thread never touches a widget)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class StoreChanged(Message):
    """The store file changed: the whole snapshot, parsed off the UI thread."""

    snapshot: dict


@dataclass
class RunEvents(Message):
    """New complete events from one run's events.jsonl (``reset``: read from the start)."""

    run_id: str
    events: list
    reset: bool = False


@dataclass
class LogTail(Message):
    """The last lines of the run shown in the detail screen."""

    run_id: str
    lines: list
