"""Pilot tests of every screen and key against a store filled by real jobs (no daemon)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fertui.scheduler.gpu_claims import DIR_ENV
from fertui.store import Store
from fertui.tui.app import make_app
from fertui.tui.screens.alerts import AlertsScreen
from fertui.tui.screens.benchmarks import BenchmarksScreen
from fertui.tui.screens.detail import DetailScreen
from fertui.tui.screens.gpus import GpusScreen
from fertui.tui.screens.help import HelpScreen
from fertui.tui.screens.leaderboard import LeaderboardScreen
from fertui.tui.screens.queue import QueueScreen
from fertui.tui.screens.runs import RunsScreen
from fertui.tui.screens.suggestions import SuggestionsScreen
from fertui.tui.widgets.keyed_table import KeyedTable
from fertui.tui.widgets.metric_chart import MetricChart
from fertui.tui.widgets.runs_table import RunsTable

from .conftest import wait_until

SIZE = (100, 30)


def shown_ids(app) -> list[str]:
    table = app.screen.query_one(RunsTable)
    return [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)]


async def loaded(pilot):
    await wait_until(
        pilot, lambda: pilot.app.runs and pilot.app.screen.query_one(RunsTable).row_count, what="the runs table to fill"
    )


@pytest.mark.parametrize(
    "key,screen_cls",
    [
        ("1", RunsScreen),
        ("2", DetailScreen),
        ("3", QueueScreen),
        ("4", LeaderboardScreen),
        ("5", SuggestionsScreen),
        ("6", BenchmarksScreen),
        ("7", AlertsScreen),
        ("8", GpusScreen),
    ],
)
async def test_number_keys_switch_screens(filled_ws, key, screen_cls):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, screen_cls), what=f"{screen_cls.__name__}")


async def test_runs_table_lists_runs_newest_first_with_summaries(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert shown_ids(app) == ["00008", "00007", "00006", "00005", "00004", "00003", "00002", "00001"]
        table = app.screen.query_one(RunsTable)
        assert table.get_cell("00008", "status").plain == "nan"
        assert table.get_cell("00008", "loss").plain == "NaN"
        assert table.get_cell("00006", "best") == "val/acc 79"  # as ls and fertui run show it
        assert table.get_cell("00006", "progress") == "ep 3/3"
        assert table.get_cell("00006", "params") == "depth=4 lr=3e-4"


async def test_filter_by_name_glob_and_clear(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"depth4", "enter")
        await wait_until(pilot, lambda: len(shown_ids(app)) == 4, what="the filter")
        assert shown_ids(app) == ["00008", "00007", "00006", "00005"]
        await pilot.press("slash", "ctrl+u", *"*_lr1e-3", "enter")
        await wait_until(pilot, lambda: shown_ids(app) == ["00007", "00003"], what="the glob filter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(shown_ids(app)) == 8, what="the filter to clear")


async def test_sort_keeps_the_cursor_on_its_run(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("down", "down")  # 00006
        table = app.screen.query_one(RunsTable)
        assert table.current_run_id() == "00006"
        await pilot.press("s")  # by status
        await pilot.press("s")  # by best
        assert table.sort_column == "best"
        assert table.current_run_id() == "00006"
        assert shown_ids(app)[0] == "00006"  # best val/acc 79.0


async def test_enter_opens_run_with_charts_and_nan_mark(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("enter")  # cursor starts on the newest run: the NaN one
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the run screen")
        assert app.detail_run == "00008"
        loss = app.screen.query_one("#chart-loss", MetricChart)
        await wait_until(pilot, lambda: loss.curves_drawn == 1 and loss.nan_steps == [6], what="the loss chart")
        acc = app.screen.query_one("#chart-acc", MetricChart)
        await wait_until(pilot, lambda: acc.points_drawn == 1, what="one val/acc point before the NaN")
        await wait_until(
            pilot, lambda: "loss is NaN at step 6" in app.log_lines.get("00008", [""])[-1], what="the stdout tail"
        )
        await pilot.press("x")  # against epochs: steps / steps_per_epoch from the start event
        await wait_until(pilot, lambda: loss.xlabel == "epoch" and loss.nan_steps == [1.5], what="epoch axis")
        await pilot.press("l")
        assert loss.log_y
        await pilot.press("o")
        assert app.screen.query_one("#detail-switch").current == "config"


async def test_marked_runs_are_overlaid(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("down", "space", "space")  # marks 00007 and 00006, cursor moves down
        assert app.marked == {"00007", "00006"}
        assert app.screen.query_one(RunsTable).get_cell("00006", "id").plain == "*00006"
        await pilot.press("up", "up", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the run screen")
        loss = app.screen.query_one("#chart-loss", MetricChart)
        await wait_until(pilot, lambda: loss.curves_drawn == 2, what="two overlaid curves")
        await pilot.press("u")
        await wait_until(pilot, lambda: loss.curves_drawn == 1, what="back to one curve")


async def test_alerts_screen_lists_nan_and_acknowledges(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("7")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), what="alerts")
        table = app.screen.query_one(KeyedTable)
        await wait_until(pilot, lambda: table.row_count == 2, what="the two NaN alerts")
        assert [table.get_row_at(i)[2] for i in range(2)] == ["00008", "00004"]  # newest first
        await pilot.press("k")
        await wait_until(pilot, lambda: table.row_count == 1, what="one acknowledged")
        assert app.open_alert_count() == 1
        await pilot.press("K")
        await wait_until(
            pilot,
            lambda: all(a["acked"] for a in Store(filled_ws.store_path).alerts()),
            what="the store to record the acknowledgements",
        )
        await wait_until(pilot, lambda: table.row_count == 0 and app.open_alert_count() == 0, what="no alerts")
        await pilot.press("h")
        await wait_until(pilot, lambda: table.row_count == 2, what="acknowledged alerts on request")


async def test_help_lists_screen_keys(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        text = app.screen.query_one("#help-text").render().plain
        for needed in ("Runs screen", "Filter", "Mark", "Cancel", "Retry", "1 Runs", "8 GPUs", "quit"):
            assert needed in text
        assert app.screen.query_one("#help-text").size.height >= text.count("\n")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen), what="back to runs")


async def test_command_palette_lists_every_action(filled_ws):
    from fertui.tui.app import _modes

    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for screen_cls in _modes().values():
            for binding in screen_cls.BINDINGS:
                assert f"{screen_cls.TITLE}: {binding.description}" in titles
        assert {"Add config or sweep", "Help", "Quit"} <= titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Alerts: Ack all")
        await pilot.press("escape", "escape")


async def test_gpus_screen_without_gpu_shows_host(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("8")

        def head():
            return str(app.screen.query_one("#gpus-head").render())

        await wait_until(pilot, lambda: "CPU" in head() or "GPU(s)" in head(), what="the probe")


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="claims are read from Linux's lock table")
async def test_gpus_screen_names_a_gpu_another_workspace_claimed(filled_ws, tmp_path, monkeypatch):
    """A GPU held by another fertui workspace (no process of its own on it yet) says so, which
    is why this workspace's queue leaves it alone."""
    state = tmp_path / "nvml.json"
    monkeypatch.setenv("FAKE_NVML_STATE", str(state))
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "claims"))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "fake_nvml"))
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", CLAIM_GPU_1],
        env={**os.environ, DIR_ENV: str(tmp_path / "claims")},
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        gpus = [{"name": "H100", "uuid": f"GPU-fake-{i}", "total_mb": 81920, "processes": []} for i in (0, 1)]
        gpus[0]["processes"] = [{"pid": holder.pid, "used_mb": 500}]  # a process outside any run
        state.write_text(json.dumps({"gpus": gpus}))
        app = make_app(filled_ws, start_daemon=False)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("8")
            table = app.screen.query_one(KeyedTable)

            def runs_cells():
                return [str(table.get_row_at(i)[-1]) for i in range(table.row_count)] if table.row_count else None

            await wait_until(pilot, runs_cells, what="the GPU rows")
            cells = runs_cells()
            assert cells[0] == "1 other process"
            assert f"fertui (pid {holder.pid})" in cells[1] and cells[1].startswith("claimed by ")
    finally:
        holder.kill()
        holder.wait()


CLAIM_GPU_1 = (
    "import time; from fertui.scheduler.gpu_claims import GpuClaims, claim_key\n"
    "assert GpuClaims().hold(claim_key('GPU-fake-1', 1)); print('held', flush=True); time.sleep(300)"
)


async def test_quit_leaves_store_untouched(filled_ws):
    before = filled_ws.store_path.read_bytes()  # bytes: NaN != NaN in a dict comparison
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("q")
    assert filled_ws.store_path.read_bytes() == before


async def test_leaderboard_pivot_isolation_compare(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, LeaderboardScreen), what="the board")
        table = app.screen.query_one(KeyedTable)

        def cell(r, c):
            return str(table.get_cell(r, f"c{c}"))

        await wait_until(pilot, lambda: table.row_count == 2, what="the pivot (depth 2 and 4)")
        assert cell("4", 2) == "79.00 *"  # best: depth 4 at lr 3e-4, starred
        assert cell("2", 4) == "NaN" and cell("4", 4) == "NaN"  # LR 1e-2 diverged
        await pilot.press("v")
        await wait_until(pilot, lambda: table.row_count == 2 and "lr=" in cell("4", 2), what="isolation")
        assert cell("4", 1) == "79.00 *" and cell("2", 1) == "69.50"
        await pilot.press("v")
        await wait_until(pilot, lambda: table.row_count == 5, what="the compare table")
        assert [str(c) for c in table.get_row("wins")] == ["wins", "0", "3", ""]
        assert "sign test" in str(app.screen.query_one("#board-foot").render())
        await pilot.press("b")  # A-vs-B by LR instead: one row per depth, a column per LR
        await wait_until(
            pilot,
            lambda: table.row_count == 3 and str(table.get_cell("wins", "c0")) == "wins",
            what="compare by optim.lr",
        )
        assert [str(c) for c in table.get_row("4")][:3] == ["4", "78.60", "79.00 *"]


async def test_suggestions_listed_with_reasons_and_enqueued_with_e(filled_ws):
    from .conftest import SWEEP

    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, SuggestionsScreen), what="suggestions")
        await wait_until(pilot, lambda: app.screen.suggestions, what="suggestions from the sweep", timeout=60)
        first = app.screen.suggestions[0]
        assert first.reason and "why:" in str(app.screen.query_one("#suggest-reason").render())
        await pilot.press("e")
        await wait_until(pilot, lambda: len(app.runs) == 9, what="the suggested run queued")
        new = app.runs["00009"]
        assert new["sweep"] == SWEEP and new["status"] == "queued"
        assert all(new["params"][k] == v for k, v in first.params.items())


async def test_benchmarks_screen_shows_the_measured_rows(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("6")
        await wait_until(pilot, lambda: isinstance(app.screen, BenchmarksScreen), what="bench")
        table = app.screen.query_one(KeyedTable)
        await wait_until(pilot, lambda: table.row_count == 2, what="the two measurements")
        rows = [table.get_row_at(i) for i in range(2)]
        assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
            ("clsfer_tiny", "cpu", "infer", "1"),
            ("clsfer_tiny", "cpu", "infer", "4"),
        ]
        assert all(float(r[5]) > 0 for r in rows)  # img/s as measured
