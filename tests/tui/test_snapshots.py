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
    assert snapshot_after(snap_compare, frozen_ws, keys, ready, size, f"the {screen} screen")


def snapshot_after(snap_compare, ws, keys, ready, size, what, settle_each_key=False):
    """Open the console on WS, press KEYS once the runs are shown, snapshot when READY(app)."""
    app = make_app(ws, start_daemon=False, clock=lambda: FROZEN_TIME)

    async def run_before(pilot):
        await wait_until(pilot, lambda: runs_ready(app), what="the runs table")
        for key in keys:
            await pilot.press(key)
            if settle_each_key:
                await pilot.pause()
        await wait_until(pilot, lambda: ready(app), what=what)
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


def _foot_has(text):
    def ready(app):
        foots = list(app.screen.query("#board-foot"))
        return foots and text in str(foots[0].render())

    return ready


def _answers_shown(app):
    texts = list(app.screen.query("#answers-text"))
    return texts and "CLS attention" in str(texts[0].render())


@pytest.fixture
def answers_ws(frozen_ws):
    """The frozen workspace plus, in every run folder, a best-epoch confusion matrix in the
    trainer's format and an attention.json in `fertui explain`'s. The maps are a fixed bump per
    class (input for the view: their computation is tested in tests/explain)."""
    import json
    import math

    from fertui.data.classes import RAF_CLASSES
    from fertui.store import Store

    side = 7
    for n, run in enumerate(Store(frozen_ws.store_path).runs()):
        folder = frozen_ws.run_dir(run["id"]) / "artifacts"
        folder.mkdir(parents=True, exist_ok=True)
        matrix = [[(20 + 3 * i + n if i == j else (i + j + n) % 4) for j in range(7)] for i in range(7)]
        seen = sum(map(sum, matrix))
        doc = {
            "epoch": 3,
            "step": 12,
            "classes": RAF_CLASSES,
            "matrix": matrix,
            "rows": "true class",
            "columns": "predicted class",
            "val/acc": 100 * sum(matrix[i][i] for i in range(7)) / seen,
        }
        (folder / "confusion_epoch003.json").write_text(json.dumps(doc))
        means = {}
        for c, name in enumerate(RAF_CLASSES):
            cy, cx = 1 + c % 5, 1 + (2 * c) % 5
            bump = [[math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 3) for x in range(side)] for y in range(side)]
            total = sum(map(sum, bump))
            means[name] = [[v / total for v in row] for row in bump]
        explain = frozen_ws.run_dir(run["id"]) / "explain"
        explain.mkdir(exist_ok=True)
        (explain / "attention.json").write_text(
            json.dumps(
                {
                    "run": run["id"],
                    "model": "clsfer_ir50",
                    "kind": "class attention",
                    "side": side,
                    "depth": 8,
                    "map": "class attention of block 8",
                    "classes": RAF_CLASSES,
                    "class_means": means,
                    "class_counts": {name: 10 for name in RAF_CLASSES},
                }
            )
        )
    return frozen_ws


ANSWER_VIEWS = {  # the views of "what the results say": keys after the runs table fills, then ready
    "run_classes": (("enter", "c"), _answers_shown),
    "isolation_lr_window": (("4", "v"), _foot_has("LR sensitivity")),
    "compare_verdict": (("4", "v", "v"), _foot_has("sign test")),
}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("view", list(ANSWER_VIEWS))
def test_answer_view_snapshot(snap_compare, answers_ws, view, size):
    keys, ready = ANSWER_VIEWS[view]
    assert snapshot_after(snap_compare, answers_ws, keys, ready, size, f"the {view} view", settle_each_key=True)
