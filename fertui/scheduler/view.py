"""What a headless ``fertui run`` shows: a Rich live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from fertui.columns import Column, Fitted, cut, fit, relabel, rich_console
from fertui.presentation import (
    BAD_STATES,
    STATUS_STYLE,
    RunLine,
    middle_cut,
    present,
    progress_fraction,
    with_shared_best,
)
from fertui.store import FINAL_STATES

PLAIN_PROGRESS_EVERY_S = 10.0
BAR_WIDTH = 20
EVENT_NAME_MIN = 16  # an event line keeps this much of a name even when it then wraps
LIVE_COLUMNS = (  # rank: the order columns give way on a narrow screen
    Column("id", "id", rank=0, cut="never"),
    Column("name", "name", rank=0, min_width=20, cut="middle"),
    Column("slot", "slot", rank=4, cut="never"),
    Column("bar", "", rank=5, cut="never"),
    Column("progress", "progress", rank=1, cut="never"),
    Column("loss", "loss", rank=3, cut="never"),
    Column("best", "best", rank=2, cut="never"),
    Column("duration", "time", rank=7, cut="never"),
    Column("eta", "eta", rank=6, cut="never"),
)
SUMMARY_COLUMNS = (
    Column("id", "id", rank=0, cut="never"),
    Column("name", "name", rank=0, min_width=20, cut="middle"),
    Column("status", "status", rank=0, cut="never"),
    Column("progress", "progress", rank=2, cut="never"),
    Column("best", "best", rank=1, cut="never"),
    Column("duration", "time", rank=3, cut="never"),
)


def plain_line(run: dict, note: str = "", width: int | None = None, prefix: str = "", suffix: str = "") -> str:
    """One event line: PREFIX, the run, NOTE (else its status), progress, loss, best, SUFFIX;
    on a terminal WIDTH wide the name is cut in the middle so the line does not wrap."""
    line = present(run)
    bits = [
        note or line.status,
        line.progress,
        f"loss {line.loss}" if line.loss and not line.nan else "",
        line.best,
        f"eta {line.eta}" if line.eta else "",
    ]
    if (run.get("summary") or {}).get("nan_step") is not None:
        bits.append(f"NaN at step {run['summary']['nan_step']}")
    tail = "  ".join(b for b in bits if b) + suffix
    name = line.name
    if width is not None:
        room = width - len(prefix) - len(line.id) - len(" ") - len("  ") - len(tail)
        name = middle_cut(name, max(room, EVENT_NAME_MIN))
    return f"{prefix}{line.id} {name}  {tail}"


def fitted_table(
    columns: tuple[Column, ...],
    lines: list[RunLine],
    extra: list[dict[str, str]] | None = None,
    width: int | None = None,
    **options,
) -> tuple[Table, list[Fitted], list[dict[str, str]]]:
    """A Rich table of LINES holding the columns that fit WIDTH, each no wider than it may be."""
    best_label, rows = with_shared_best(lines)
    rows = [{**row, **(extra[i] if extra else {})} for i, row in enumerate(rows)]
    fitted = fit(relabel(columns, "best", best_label), rows, width)
    table = Table(box=None, header_style="bold", pad_edge=False, **options)
    for f in fitted:
        table.add_column(f.column.label, no_wrap=True, overflow="ellipsis", min_width=f.width, max_width=f.width)
    return table, fitted, rows


class RunView:
    """Follows a set of runs: the ones this command queued, plus any that start while it watches."""

    def __init__(self, ids: list[str], console: Console | None = None):
        self.console = console or rich_console()
        self.tty = self.console.is_terminal
        self.watched: list[str] = list(ids)
        self.states: dict[str, str] = {}
        self.runs: dict[str, dict] = {}
        self._live: Live | None = None
        self._last_plain = time.monotonic()
        self.interrupted = 0  # the signal that ended the scheduling early, if one did
        self.terminal_gone = False  # a write failed: the SSH session or the tmux pane is gone

    def __enter__(self) -> RunView:
        if self.tty:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
            self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        live, self._live = self._live, None
        if live:
            try:
                live.__exit__(*exc)
            except OSError:  # EIO/EPIPE: the terminal went away; what follows must still run
                self.terminal_gone = True

    def _width(self) -> int | None:
        """The terminal's width for event lines; None in a pipe, where a log keeps whole names."""
        return self.console.width if self.tty else None

    @staticmethod
    def _stamp() -> str:
        return time.strftime("%H:%M:%S ")

    def say(self, text: str, style: str | None = None) -> None:
        try:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True, style=style)
        except OSError:  # the terminal went away (SIGHUP): nothing left to show it to
            self.terminal_gone = True

    def update(self, runs: dict[str, dict]) -> None:
        # a watched run that ended and left the hot store keeps its last doc, for the summary
        kept = {i: self.runs[i] for i in self.watched if i in self.runs and i not in runs}
        self.runs = {**kept, **runs}
        for run_id, run in sorted(runs.items()):
            if run["status"] == "running" and run_id not in self.watched:
                self.watched.append(run_id)
        for run_id in self.watched:
            run = runs.get(run_id)
            if run is None or self.states.get(run_id) == run["status"]:
                continue
            self.states[run_id] = run["status"]
            if run["status"] == "running":
                self.say(plain_line(run, f"started on {run.get('slot')}", self._width(), self._stamp()))
            elif run["status"] in FINAL_STATES:
                took = present(run).duration
                extra = f"  ({took})" if took else ""
                self.say(
                    plain_line(run, "", self._width(), self._stamp(), extra),
                    style=STATUS_STYLE.get(run["status"]) if run["status"] in BAD_STATES else None,
                )
                if run["status"] in ("failed", "oom", "lost") and run.get("error"):
                    self.say("    " + "\n    ".join(run["error"].splitlines()[-5:]))
        if self._live:
            try:
                self._live.update(self._table())
            except OSError:
                self.terminal_gone = True
        elif time.monotonic() - self._last_plain >= PLAIN_PROGRESS_EVERY_S:
            self._last_plain = time.monotonic()
            for run_id in self.watched:
                run = runs.get(run_id)
                if run and run["status"] == "running" and (present(run).progress or present(run).loss):
                    self.say(plain_line(run, "", self._width(), self._stamp()))

    def _table(self) -> Table:
        running = [self.runs[i] for i in self.watched if self.runs.get(i, {}).get("status") == "running"]
        queued = sum(1 for r in self.runs.values() if r["status"] == "queued")
        lines = [present(run) for run in running]
        table, fitted, rows = fitted_table(
            LIVE_COLUMNS, lines, [{"bar": " " * BAR_WIDTH} for _ in lines], self.console.width
        )
        for run, line, row in zip(running, lines, rows):
            cells = []
            for f in fitted:
                if f.column.key == "bar":
                    cells.append(ProgressBar(total=1.0, completed=progress_fraction(run), width=f.width))
                elif f.column.key == "loss" and line.nan:
                    cells.append(Text("NaN", style=STATUS_STYLE["nan"]))
                else:
                    cells.append(Text(cut(row[f.column.key], f)))
            table.add_row(*cells)
        table.caption = f"{len(running)} running, {queued} queued"
        return table

    def final_status(self) -> list[dict]:
        return [self.runs[i] for i in self.watched if i in self.runs]

    def summary(self) -> int:
        """Print the final table; the exit code (1 if any watched run failed, NaN'd, OOM'd or got lost)."""
        runs = self.final_status()
        if runs:
            lines = [present(run) for run in runs]
            table, fitted, rows = fitted_table(
                SUMMARY_COLUMNS, lines, width=self.console.width, title="fertui run: summary"
            )
            for line, row in zip(lines, rows):
                table.add_row(
                    *(
                        Text(cut(row[f.column.key], f), style=line.style if f.column.key == "status" else "")
                        for f in fitted
                    )
                )
            try:
                self.console.print(table)
            except OSError:
                pass
        return 1 if any(r["status"] in BAD_STATES for r in runs) else 0
