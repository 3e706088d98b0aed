"""A DataTable that redraws when its idle-time column measuring widens a column.

Textual 8's DataTable measures new cells when idle but keeps lines it rendered before that
in its caches (keyed by an update counter the measuring does not bump), so rows added while
the screen is busy stay cut to the header width until something else changes.
"""

from __future__ import annotations

from textual import events
from textual.widgets import DataTable


class WideningDataTable(DataTable):
    async def _on_idle(self, event: events.Idle) -> None:
        before = [c.content_width for c in self.columns.values()]
        await super()._on_idle(event)
        if before != [c.content_width for c in self.columns.values()]:
            self._clear_caches()
            self.refresh()
