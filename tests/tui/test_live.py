"""Pilot tests with the real daemon running real jobs: NaN toast and bell, cancel, queue
control, retry, and adding a config through the picker."""

from __future__ import annotations

from fertui.scheduler.queue_state import queue_state
from fertui.store import Store
from fertui.tui.app import make_app
from fertui.tui.screens.alerts import AlertsScreen
from fertui.tui.screens.confirm import Confirm
from fertui.tui.screens.picker import ConfigPicker
from fertui.tui.screens.queue import QueueScreen
from fertui.tui.widgets.keyed_table import KeyedTable
from fertui.tui.widgets.runs_table import RunsTable

from .conftest import queue_job, train_command, wait_until

SIZE = (100, 30)


def toasts(app) -> list[str]:
    """The notifications on screen now (Textual keeps them on the app until they expire)."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def store_run(ws, run_id: str) -> dict:
    return Store(ws.store_path).get_run(run_id) or {}


async def test_nan_shows_toast_rings_bell_and_stays_in_alerts(filled_ws):
    app = make_app(filled_ws, start_daemon=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.runs, what="the store")
        run_id = queue_job(filled_ws, "late_nan", train_command(1e-2, 8, epochs=4, spe=5, pause=0.05, nan_at=8))
        await wait_until(pilot, lambda: app.bells >= 1, what="the bell")
        await wait_until(
            pilot, lambda: any(f"run {run_id}" in t and "NaN" in t for t in toasts(app)), what="the NaN toast"
        )
        await pilot.press("7")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), what="alerts")
        table = app.screen.query_one(KeyedTable)
        await wait_until(
            pilot,
            lambda: any(table.get_row_at(i)[2] == run_id for i in range(table.row_count)),
            what="the NaN alert row",
        )
        await wait_until(pilot, lambda: store_run(filled_ws, run_id).get("status") == "nan", what="status nan")


async def test_cancel_a_running_job(filled_ws):
    app = make_app(filled_ws, start_daemon=True)
    async with app.run_test(size=SIZE) as pilot:
        run_id = queue_job(filled_ws, "long_run", train_command(1e-4, 2, epochs=100, spe=10, pause=0.2))
        await wait_until(pilot, lambda: app.runs.get(run_id, {}).get("status") == "running", what="running")
        table = app.screen.query_one(RunsTable)
        await wait_until(pilot, lambda: table.row_count == 9, what="the new row")
        # Live updates land in place: the cursor stays on its run while the job's cells change.
        table.move_cursor(row=table.get_row_index("00005"))
        first = table.get_cell(run_id, "progress")
        await wait_until(pilot, lambda: table.get_cell(run_id, "progress") not in ("", first), what="progress")
        assert table.current_run_id() == "00005" and table.row_count == 9
        table.move_cursor(row=table.get_row_index(run_id))
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), what="the question")
        question = app.screen.query_one("#question")
        await wait_until(pilot, lambda: question.size.width > 20, what="the question laid out")
        assert f"Cancel run {run_id} long_run" in question.render().plain
        await pilot.press("y")
        await wait_until(
            pilot, lambda: store_run(filled_ws, run_id).get("status") == "cancelled", what="the run to be cancelled"
        )
        await wait_until(
            pilot, lambda: table.get_cell(run_id, "status").plain == "cancelled", what="the table to show it"
        )


async def test_queue_pause_priority_cancel_resume(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.runs, what="the store")
        await pilot.press("3")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen), what="the queue screen")
        await pilot.press("p")
        await wait_until(pilot, lambda: queue_state(filled_ws) == "paused", what="paused")
        await wait_until(pilot, lambda: any("queue paused" in t for t in toasts(app)), what="the pause toast")
        first = queue_job(filled_ws, "waiting_a", train_command(1e-4, 2))
        second = queue_job(filled_ws, "waiting_b", train_command(1e-4, 2))
        table = app.screen.query_one(KeyedTable)
        await wait_until(pilot, lambda: table.row_count == 2, what="two queued rows")
        table.move_cursor(row=table.get_row_index(second))
        await pilot.press("plus")
        await wait_until(pilot, lambda: store_run(filled_ws, second).get("priority") == 1, what="priority 1")
        await wait_until(
            pilot, lambda: any(f"run {second} priority 1" in t for t in toasts(app)), what="the priority toast"
        )
        await wait_until(
            pilot,
            lambda: table.current_key() == second and table.get_row_index(second) == 0,
            what="the raised run first, cursor still on it",
        )
        await pilot.press("c", "y")
        await wait_until(pilot, lambda: store_run(filled_ws, second).get("status") == "cancelled", what="cancel")
        await wait_until(pilot, lambda: table.row_count == 1, what="one row left")
        await pilot.press("p")
        await wait_until(pilot, lambda: queue_state(filled_ws) == "active", what="resumed")
        assert store_run(filled_ws, first)["status"] == "queued"


async def test_retry_a_nan_run(filled_ws):
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(RunsTable)
        await wait_until(pilot, lambda: table.row_count == 8, what="rows")
        assert table.current_run_id() == "00008"
        await pilot.press("r")
        await wait_until(pilot, lambda: "00009" in app.runs, what="the retried run")
        assert app.runs["00009"]["retry_of"] == "00008" and app.runs["00009"]["status"] == "queued"


async def test_add_config_bad_then_good(filled_ws):
    configs = filled_ws.configs_dir
    configs.mkdir(exist_ok=True)
    (configs / "bad.toml").write_text("[optim]\nlrr = 1e-3\n")
    (configs / "good.toml").write_text('[run]\nname = "from_picker"\n[job]\ncommand = ["python", "-c", "pass"]\n')
    app = make_app(filled_ws, start_daemon=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(app.runs) == 8, what="the store")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigPicker), what="the picker")
        await pilot.press("enter")  # bad.toml is first
        await wait_until(pilot, lambda: any("lrr" in t for t in toasts(app)), what="the config error")
        assert len(Store(filled_ws.store_path).runs()) == 8
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfigPicker), what="the picker again")
        await pilot.press("down", "enter")
        await wait_until(
            pilot, lambda: any(r["name"] == "from_picker" for r in app.runs.values()), what="the queued run"
        )
