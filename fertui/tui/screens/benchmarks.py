"""Screen 6, Bench: the efficiency table written by `fertui bench` (throughput, MACs, memory)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from fertui.presentation import fmt_num
from fertui.tui.screens.base import ConsoleScreen
from fertui.tui.widgets.keyed_table import KeyedTable

COLUMNS = (
    ("model", "model"),
    ("device", "device"),
    ("prec", "precision"),
    ("mode", "mode"),
    ("batch", "batch"),
    ("img_s", "img/s"),
    ("step", "ms/step"),
    ("gmacs", "GMACs"),
    ("params", "params M"),
    ("mem", "mem MB"),
)


def bench_row(b: dict) -> tuple:
    oom = bool(b.get("oom"))
    ms = b.get("ms_per_step")
    if ms is None and b.get("time_per_step") is not None:
        ms = b["time_per_step"] * 1000
    return (
        str(b.get("model", "")),
        str(b.get("device", "")),
        str(b.get("precision", "")),
        str(b.get("mode", "")),
        fmt_num(b.get("batch_size")),
        Text("OOM", style="bold red") if oom else fmt_num(b.get("img_per_s")),
        "" if oom or ms is None else fmt_num(ms),
        fmt_num(b.get("gmacs")),
        fmt_num(b.get("params_m")),
        fmt_num(b.get("memory_mb")),
    )


class BenchmarksScreen(ConsoleScreen):
    MODE = "bench"
    TITLE = "Bench"
    BINDINGS = []

    def compose_body(self) -> ComposeResult:
        yield Static(id="bench-head", classes="status-line")
        yield KeyedTable(id="bench-table")

    def refresh_state(self) -> None:
        table = self.app.snapshot.get("benchmarks", {})
        rows = sorted(
            table.items(),
            key=lambda kv: (
                str(kv[1].get("model")),
                str(kv[1].get("device")),
                str(kv[1].get("mode")),
                kv[1].get("batch_size") or 0,
            ),
        )
        self.query_one(KeyedTable).set_rows(COLUMNS, [(doc_id, bench_row(b)) for doc_id, b in rows])
        head = self.query_one("#bench-head", Static)
        head.update(
            f"{len(rows)} measurements"
            if rows
            else "no benchmarks yet: run `fertui bench MODEL --batch-sizes 1,64,256`"
        )
