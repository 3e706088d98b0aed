"""The console case that crashed (log loss axis on a run with no train/loss yet) renders, and
an unexpected exception ends the console with status 1, one line, and the traceback in a log."""

from __future__ import annotations

import pytest

from fertui.tui.app import make_app, run_console
from fertui.tui.screens.detail import DetailScreen
from fertui.tui.widgets.metric_chart import MetricChart
from fertui.workspace import open_workspace

from .conftest import queue_job, train_command, wait_until


async def test_log_loss_axis_on_a_run_without_loss_points_renders(tmp_path):
    ws = open_workspace(tmp_path)
    run_id = queue_job(ws, "fresh", train_command(3e-4, 2))  # queued: no event, no train/loss yet
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.runs, what="the store to load")
        app.open_run(run_id)
        await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), what="the Run screen")
        await pilot.press("l")
        chart = app.screen.query_one("#chart-loss", MetricChart)
        await wait_until(pilot, lambda: chart.log_y and chart._drawn_key and chart._drawn_key[2], what="replot")
        for _ in range(5):  # several frames: the chart is built when it renders
            await pilot.pause(0.05)
        assert "no data yet" in str(chart.render()) or chart.points_drawn == 0
        assert app.crash is None and app.return_code in (None, 0)


def test_an_unexpected_error_is_one_line_exit_1_and_a_logged_traceback(tmp_path, monkeypatch, capsys):
    from fertui.tui.screens.runs import RunsScreen

    def broken(self):
        raise RuntimeError("boom in refresh")

    monkeypatch.setattr(RunsScreen, "refresh_state", broken)
    ws = open_workspace(tmp_path)
    queue_job(ws, "one", train_command(3e-4, 2))
    with pytest.raises(SystemExit) as stopped:
        run_console(ws, start_daemon=False, headless=True)
    assert stopped.value.code == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err == [
        f"fertui: the console stopped on an unexpected error: RuntimeError: boom in refresh "
        f"(traceback in {ws.runs_dir / 'console.log'})"
    ]
    log = (ws.runs_dir / "console.log").read_text()
    assert "Traceback (most recent call last)" in log and "boom in refresh" in log


async def test_a_held_sweep_is_toasted_and_its_runs_listed_on_the_queue_screen(tmp_path):
    from fertui.store import Store
    from fertui.tui.screens.queue import QueueScreen
    from fertui.tui.widgets.keyed_table import KeyedTable

    ws = open_workspace(tmp_path)
    held = queue_job(ws, "held_one", train_command(3e-4, 2))
    store = Store(ws.store_path)
    store.update_run(held, status="held")
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.runs, what="the store to load")
        store.add_alert(
            None,
            "sweep_held",
            "sweep S: the last 3 runs failed with the same error (boom); its 1 queued runs are held",
            sweep="S",
        )
        await wait_until(pilot, lambda: app.bells == 1, what="the held-sweep toast")
        assert [kind for _, kind in app.toasted] == ["sweep_held"]
        await pilot.press("3")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen), what="the Queue screen")
        table = app.screen.query_one(KeyedTable)
        await wait_until(pilot, lambda: table.row_count == 1, what="the held run listed")
        assert "held" in str(table.get_cell(held, "status"))
