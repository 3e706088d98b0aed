"""What a headless ``fertui run`` shows: a Rich live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from fertui.run_summary import best_text, last_loss
from fertui.store import FINAL_STATES

BAD_STATES = ("failed", "nan", "oom", "lost")
STATE_STYLE = {"running": "bold blue", "done": "green", "failed": "bold red", "nan": "bold magenta",
               "oom": "red", "lost": "red", "cancelled": "yellow", "pruned": "dim", "queued": "cyan",
               "held": "yellow"}
PLAIN_PROGRESS_EVERY_S = 10.0


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def loss_value(run: dict) -> float | None:
    return last_loss(run.get("summary") or {})


def progress_text(run: dict) -> str:
    s = run.get("summary") or {}
    parts = []
    if s.get("epoch") is not None:
        parts.append(f"ep {s['epoch']}" + (f"/{s['epochs']}" if s.get("epochs") else ""))
    if s.get("step") is not None:
        total = (s.get("epochs") or 0) * (s.get("steps_per_epoch") or 0)
        parts.append(f"step {s['step']}" + (f"/{total}" if total else ""))
    return "  ".join(parts)


def plain_line(run: dict, note: str = "") -> str:
    s = run.get("summary") or {}
    loss = loss_value(run)
    bits = [f"{run['id']} {run['name'][:32]:<32}", note or run["status"], progress_text(run),
            f"loss {loss:.4g}" if isinstance(loss, float) else "", best_text(run, " "),
            f"eta {fmt_duration(s['eta_s'])}" if s.get("eta_s") is not None and run["status"] == "running" else ""]
    if s.get("nan_step") is not None:
        bits.append(f"NaN at step {s['nan_step']}")
    return "  ".join(b for b in bits if b)


class RunView:
    """Follows a set of runs: the ones this command queued, plus any that start while it watches."""

    def __init__(self, ids: list[str], console: Console | None = None):
        self.console = console or Console()
        self.tty = self.console.is_terminal
        self.watched: list[str] = list(ids)
        self.states: dict[str, str] = {}
        self.runs: dict[str, dict] = {}
        self._live: Live | None = None
        self._last_plain = time.monotonic()
        self.interrupted = 0  # the signal that ended the scheduling early, if one did
        self.terminal_gone = False  # a write failed: the SSH session or the tmux pane is gone

    def __enter__(self) -> "RunView":
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
                self.say(f"{time.strftime('%H:%M:%S')} {plain_line(run, 'started on ' + str(run.get('slot')))}")
            elif run["status"] in FINAL_STATES:
                took = (run.get("ended") or 0) - (run.get("started") or run.get("ended") or 0)
                extra = f"  ({fmt_duration(took)})" if run.get("started") else ""
                self.say(f"{time.strftime('%H:%M:%S')} {plain_line(run)}{extra}",
                         style=STATE_STYLE.get(run["status"]) if run["status"] in BAD_STATES else None)
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
                if run and run["status"] == "running" and (progress_text(run) or loss_value(run) is not None):
                    self.say(f"{time.strftime('%H:%M:%S')} {plain_line(run)}")

    def _table(self) -> Table:
        table = Table(box=None, header_style="bold", pad_edge=False)
        for col in ("id", "name", "slot", "progress", "", "loss", "best", "eta"):
            table.add_column(col, no_wrap=True, overflow="ellipsis", max_width=36 if col == "name" else None)
        running = [self.runs[i] for i in self.watched if self.runs.get(i, {}).get("status") == "running"]
        queued = sum(1 for r in self.runs.values() if r["status"] == "queued")
        for run in running:
            s = run.get("summary") or {}
            loss = loss_value(run)
            loss_text = Text("NaN", style="bold magenta") if s.get("nan_step") is not None else \
                Text(f"{loss:.4g}" if isinstance(loss, float) else "")
            table.add_row(run["id"], run["name"], str(run.get("slot", "")),
                          ProgressBar(total=1.0, completed=float(s.get("progress") or 0), width=20),
                          progress_text(run), loss_text, best_text(run, " "), fmt_duration(s.get("eta_s")))
        table.caption = f"{len(running)} running, {queued} queued"
        return table

    def final_status(self) -> list[dict]:
        return [self.runs[i] for i in self.watched if i in self.runs]

    def summary(self) -> int:
        """Print the final table; the exit code (1 if any watched run failed, NaN'd, OOM'd or got lost)."""
        runs = self.final_status()
        if runs:
            table = Table(box=None, header_style="bold", pad_edge=False, title="fertui run: summary")
            for col in ("id", "name", "status", "progress", "best", "time"):
                # a name has no spaces to wrap at: fold it rather than cut it, it is what people search for
                table.add_column(col, no_wrap=col != "name", overflow="fold" if col == "name" else "ellipsis")
            for run in runs:
                took = (run.get("ended") or time.time()) - run["started"] if run.get("started") else None
                table.add_row(run["id"], run["name"], Text(run["status"], style=STATE_STYLE.get(run["status"], "")),
                              progress_text(run), best_text(run, " "), fmt_duration(took))
            try:
                self.console.print(table)
            except OSError:
                pass
        return 1 if any(r["status"] in BAD_STATES for r in runs) else 0
