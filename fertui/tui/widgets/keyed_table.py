"""A DataTable synced to a list of keyed rows by diffing: the cursor stays on its row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fertui.terminal_text import printable
from fertui.tui.widgets.table_fix import WideningDataTable


class KeyedTable(WideningDataTable):
    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
        self.fixed_columns = 1  # the row's label stays in view when the table scrolls sideways
        self._columns_shown: tuple = ()
        self._rows: dict[str, tuple] = {}
        self._order: list[str] = []

    def set_rows(self, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """COLUMNS as (key, label); ROWS as (row key, cells) in display order."""
        columns = tuple(columns)
        if columns != self._columns_shown:  # another shape of table: the only full rebuild
            self.clear(columns=True)
            for key, label in columns:
                self.add_column(printable(label), key=key)
            self._columns_shown, self._rows, self._order = columns, {}, []
        # names and axis values a user chose: a terminal escape in one must not reach the terminal
        wanted = {key: tuple(printable(c) if isinstance(c, str) else c for c in cells) for key, cells in rows}
        for key in [k for k in self._rows if k not in wanted]:
            self.remove_row(key)
            del self._rows[key]
        for key, cells in wanted.items():
            old = self._rows.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            elif old != cells:
                for (col, _), new_cell, old_cell in zip(columns, cells, old):
                    if new_cell != old_cell:
                        self.set_cell(key, col, new_cell)
            self._rows[key] = cells
        order = [key for key, _ in rows]
        if order != self._order:
            current = self.current_key()
            position = {key: i for i, key in enumerate(order)}
            self._sort_by(position)
            self._order = order
            if current in position:
                self.move_cursor(row=self.get_row_index(current), scroll=False)

    def _sort_by(self, position: dict[str, int]) -> None:
        from textual._two_way_dict import TwoWayDict

        # DataTable.sort only sees cell values; ordering by row key needs its row map (what
        # sort() itself rewrites; textual is pinned to 8.x in pyproject).
        ordered = sorted(self._row_locations, key=lambda row_key: position.get(row_key.value, 0))
        self._row_locations = TwoWayDict({row_key: i for i, row_key in enumerate(ordered)})
        self._update_count += 1
        self.refresh()

    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # cursor beyond a table that just shrank
            return None
