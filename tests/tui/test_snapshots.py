"""Snapshots of the main screens at 80x24 and 160x48 (store contents and clock frozen).

Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` only after looking at
the new screens (the report is snapshot_report.html)."""

from __future__ import annotations

import pytest

from fertui.tui.app import make_app
from fertui.tui.widgets.keyed_table import KeyedTable
from fertui.tui.widgets.metric_chart import MetricChart
from fertui.tui.widgets.runs_table import RunsTable

from .conftest import FROZEN_TIME, wait_until


def runs_ready(app):
    return app.runs and app.screen.query(RunsTable) and app.screen.query_one(RunsTable).row_count == 10


def charts_ready(app):
    charts = list(app.screen.query(MetricChart))
    return charts and all(c.curves_drawn for c in charts) and app.log_lines.get("00008")


def table_ready(rows):
    def ready(app):
        tables = list(app.screen.query(KeyedTable))
        return tables and tables[0].row_count == rows
    return ready


SCREENS = {  # name: (keys after the runs table fills, what the screen must show first)
    "runs": ((), lambda app: True),
    "run_nan": (("down", "down", "enter"), charts_ready),
    "queue": (("3",), table_ready(2)),
    "board": (("4",), table_ready(2)),
    "alerts": (("7",), table_ready(2)),
}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare, frozen_ws, screen, size):
    keys, ready = SCREENS[screen]
    app = make_app(frozen_ws, start_daemon=False, clock=lambda: FROZEN_TIME)

    async def run_before(pilot):
        await wait_until(pilot, lambda: runs_ready(app), what="the runs table")
        for key in keys:
            await pilot.press(key)
        await wait_until(pilot, lambda: ready(app), what=f"the {screen} screen")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
