"""The live runs table: rows keyed by run id, updated cell by cell, never rebuilt."""

from __future__ import annotations

from rich.text import Text

from fertui.presentation import STATUS_STYLE
from fertui.tui.rows import RUN_COLUMNS, name_matches, run_cells, sort_value
from fertui.tui.widgets.table_fix import WideningDataTable

SORTABLE = ("id", "status", "best", "loss", "name", "img_s", "eta")


class RunsTable(WideningDataTable):
    DEFAULT_CSS = """
    RunsTable { height: 1fr; }
    """

    def __init__(self, **kwargs):
        super().__init__(cursor_type="row", **kwargs)
        self.fixed_columns = 1  # the run id stays in view when the table scrolls sideways
        self._cells: dict[str, dict[str, str]] = {}
        self._seen: dict[str, tuple] = {}  # what each row was drawn from: skip unchanged runs cheaply
        self._runs: dict[str, dict] = {}
        self.marked: set[str] = set()
        self._marks_drawn: set[str] = set()
        self.sort_column = "id"
        self.sort_reverse = True  # newest first: live runs at the top

    def _ensure_columns(self) -> None:
        if not self.columns:  # the screen may sync before this widget's own mount handlers run
            for key, label in RUN_COLUMNS:
                self.add_column(label, key=key)

    # ---- rendering of one cell ------------------------------------------------------------
    def _render(self, run_id: str, column: str, cells: dict[str, str]):
        value = cells[column]
        if column == "status":
            return Text(value, style=STATUS_STYLE.get(value.split(" ", 1)[0], ""))  # "done (no val/acc)"
        if column == "id":
            return Text(
                ("*" if run_id in self.marked else " ") + value, style="bold reverse" if run_id in self.marked else ""
            )
        if column == "loss" and value == "NaN":
            return Text(value, style="bold magenta")
        return value

    # ---- keeping rows in step with the store ----------------------------------------------
    def sync(self, runs: dict[str, dict], pattern: str = "") -> int:
        """Make the rows match RUNS filtered by PATTERN; returns how many cells changed."""
        self._ensure_columns()
        wanted = {rid: run for rid, run in runs.items() if name_matches(run, pattern)}
        changed = 0
        for rid in [rid for rid in self._cells if rid not in wanted]:
            self.remove_row(rid)
            del self._cells[rid]
            self._runs.pop(rid, None)
            self._seen.pop(rid, None)
            changed += 1
        added = False
        for rid, run in wanted.items():
            self._runs[rid] = run
            seen = (run.get("status"), run.get("slot"), run.get("name"), run.get("summary"))
            old = self._cells.get(rid)
            if old is not None and self._seen.get(rid) == seen:
                continue  # most of 2,000 runs are finished: formatting them again is the cost
            self._seen[rid] = seen
            cells = run_cells(run, self.app.now())
            if old is None:
                self.add_row(*(self._render(rid, k, cells) for k, _ in RUN_COLUMNS), key=rid)
                added = True
                changed += 1
            elif old != cells:
                for key, _ in RUN_COLUMNS:
                    if old[key] != cells[key]:
                        self.set_cell(rid, key, self._render(rid, key, cells))
                        changed += 1
            self._cells[rid] = cells
        for rid in (self.marked ^ self._marks_drawn) & self._cells.keys():  # marks changed elsewhere
            self.update_cell(rid, "id", self._render(rid, "id", self._cells[rid]))
        self._marks_drawn = set(self.marked)
        if added:
            first_fill = len(self._cells) == self.row_count and changed == self.row_count
            self.apply_sort()
            if first_fill:
                self.move_cursor(row=0)
        return changed

    def apply_sort(self) -> None:
        current = self.current_run_id()
        column, reverse = self.sort_column, self.sort_reverse
        self.sort(
            "id",
            key=lambda cell: sort_value(self._cells[cell.plain[1:]], self._runs[cell.plain[1:]], column, reverse),
            reverse=reverse,
        )
        if current is not None:
            self.move_cursor(row=self.get_row_index(current), scroll=False)

    def cycle_sort(self, reverse: bool = False) -> str:
        if reverse:
            self.sort_reverse = not self.sort_reverse
        else:
            i = SORTABLE.index(self.sort_column) if self.sort_column in SORTABLE else -1
            self.sort_column = SORTABLE[(i + 1) % len(SORTABLE)]
            self.sort_reverse = self.sort_column in ("id", "best", "img_s")
        self.apply_sort()
        return self.sort_column

    # ---- cursor and marks -----------------------------------------------------------------
    def current_run_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # cursor outside the (just shrunk) table
            return None

    def toggle_mark(self, run_id: str) -> None:
        self.marked.symmetric_difference_update({run_id})
        self._marks_drawn.symmetric_difference_update({run_id})
        if run_id in self._cells:
            self.update_cell(run_id, "id", self._render(run_id, "id", self._cells[run_id]))
