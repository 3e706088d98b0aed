"""Screen 4, Board: a sweep's pivot as a heatmap, the isolation view, and the A-vs-B compare."""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fertui.terminal_text import inline, printable
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.screens.sweep_choice import next_sweep
from fertui.tui.widgets.heatmap import heat_cell
from fertui.tui.widgets.keyed_table import KeyedTable

VIEWS = ("pivot", "isolation", "compare")
RECOMPUTE_EVERY_S = 2.0  # a board reads every run of the sweep: not on every store write


class LeaderboardScreen(ConsoleScreen):
    MODE = "board"
    TITLE = "Board"
    BINDINGS = [
        Binding("s", "next_sweep", "Sweep"),
        Binding("v", "next_view", "View"),
        Binding("b", "next_by", "Compare by"),
    ]

    def __init__(self):
        super().__init__()
        self.sweep: str | None = None
        self.view = "pivot"
        self.compare_by: str | None = None  # None: the sweep's first scientific axis
        self._computed_at = 0.0
        self._computed_for = None
        self._pending = False

    def on_mount(self) -> None:
        self.set_interval(RECOMPUTE_EVERY_S, self._catch_up)

    def _catch_up(self) -> None:
        if self._pending and self.app.screen is self:
            self.refresh_state()

    def compose_body(self) -> ComposeResult:
        yield Static(id="board-head", classes="status-line")
        yield KeyedTable(id="board-table", cursor_type="cell")
        yield Static(id="board-foot")

    def refresh_state(self) -> None:
        if self.sweep is None:
            self.sweep = next_sweep(self.app, None)
        head = self.query_one("#board-head", Static)
        if self.sweep is None:
            head.update("no sweeps yet: press a and pick a sweep config (one with a [sweep] table)")
            return
        key = (self.sweep, self.view, self.compare_by)
        if key == self._computed_for and time.monotonic() - self._computed_at < RECOMPUTE_EVERY_S:
            self._pending = True  # the timer picks it up
            return
        self._pending = False
        self._computed_for, self._computed_at = key, time.monotonic()
        self._compute(self.sweep, self.view, self.compare_by)

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def _compute(self, sweep: str, view: str, by: str | None) -> None:
        from fertui.errors import UserError

        try:
            columns, rows, lines = build_view(self.app.ws, sweep, view, by)
        except UserError as exc:  # e.g. no finished runs yet, or nothing to compare
            self.app.call_from_thread(self._show, sweep, view, (("msg", ""),), [], [str(exc)])
            return
        self.app.call_from_thread(self._show, sweep, view, columns, rows, lines)

    def _show(self, sweep, view, columns, rows, lines) -> None:
        if (sweep, view) != (self.sweep, self.view):
            return  # the user moved on while this was computed
        self.query_one(KeyedTable).set_rows(columns, rows)
        by = f" by {self.compare_by}" if view == "compare" and self.compare_by else ""
        # a sweep name or axis value a user chose: no terminal escape may reach the terminal
        self.query_one("#board-head", Static).update(inline(f"sweep {sweep} · {view}{by}"))
        self.query_one("#board-foot", Static).update(printable("\n".join(lines)))

    def action_next_sweep(self) -> None:
        self.sweep = next_sweep(self.app, self.sweep)
        self._computed_for = None
        self.refresh_state()

    def action_next_by(self) -> None:
        """A-vs-B by another axis (e.g. model.head for Baseline vs CLSFER at each LR)."""
        from fertui.sweeps.spec import SweepSpec

        doc = next((d for d in self.app.snapshot.get("sweeps", {}).values() if d.get("name") == self.sweep), None)
        if doc is None:
            return
        spec = SweepSpec.from_doc(doc)  # from the snapshot in hand: no second parse of the store
        axes = [a.key for a in spec.axes if spec.role(a.key) != "fixed"]
        current = self.compare_by or default_by(spec)
        self.compare_by = axes[(axes.index(current) + 1) % len(axes)] if current in axes else axes[0]
        self.view = "compare"
        self._computed_for = None
        self.refresh_state()

    def action_next_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._computed_for = None
        self.refresh_state()


def build_view(ws, sweep: str, view: str, by: str | None = None):
    """(columns, keyed rows, lines under the table) of one view; runs off the UI thread."""
    from fertui.sweeps import board as boards
    from fertui.sweeps import render

    if view == "pivot":
        board = boards.pivot(ws, sweep)
        values = [c.mean for c in board.cells.values() if c.mean is not None]
        lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
        fmt = render.number_format([v for c in board.cells.values() for v in c.values])
        header = render.board_header(board)
        columns = tuple((f"c{i}", name) for i, name in enumerate(header))
        rows = []
        for r in board.row_values:
            cells = [Text(render.label(r), style="bold")]
            for c in board.col_values:
                stats = board.cell(r, c)
                if stats is None:
                    cells.append("")
                    continue
                cells.append(
                    heat_cell(
                        render.cell_text(stats, fmt),
                        stats.mean,
                        lo,
                        hi,
                        board.maximize,
                        stats.best,
                        render.state_marks(stats),
                    )
                )
            rows.append((render.label(r), cells))
        noise = [line for line in [render.noise_line(board)] if line]
        return (
            columns,
            rows,
            [
                render.best_line(board),
                *noise,
                *render.split_lines(board),
                "colours: red worst · yellow · green · bright green best",
            ],
        )
    if view == "isolation":
        iso = boards.isolation(ws, sweep)
        header, lines = render.isolation_rows(iso)
        from fertui.sweeps.sensitivity import sensitivity_lines

        title = [
            f"each {iso.key} at its own best {', '.join(iso.nuisance) or 'setting'} ({iso.metric})",
            *sensitivity_lines(ws, sweep, iso.key, metric=iso.metric),
        ]
        return (*_plain(header, lines), title)
    from fertui.sweeps.compare import compare
    from fertui.sweeps.spec import require_spec

    spec = require_spec(ws, sweep)
    cmp = compare(ws, sweep, by=by or default_by(spec))
    header, lines = render.compare_rows(cmp)
    return (*_plain(header, lines), render.pair_lines(cmp))


def default_by(spec) -> str:
    scientific = [a.key for a in spec.axes if spec.role(a.key) == "scientific"]
    return scientific[0] if scientific else spec.axes[0].key


def _plain(header, lines):
    from fertui.sweeps.render import rich_cell

    columns = tuple((f"c{i}", name) for i, name in enumerate(header))
    return columns, [(line[0].text, [rich_cell(c) for c in line]) for line in lines]
