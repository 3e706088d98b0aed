"""The Suggest screen computes again when one of its sweep's runs starts or finishes."""

from __future__ import annotations

import sys

from fertui.config import load_config
from fertui.plan import enqueue, plan_runs
from fertui.store import Store
from fertui.sweeps.lifecycle import run_finished
from fertui.tui.app import make_app
from fertui.tui.screens.suggestions import SuggestionsScreen
from fertui.workspace import open_workspace

from .conftest import wait_until

GRID = f"""[run]
name = "d{{model.depth}}_lr{{optim.lr}}"
[job]
command = ["{sys.executable}", "-c", "pass"]
[sweep]
name = "Grid"
[sweep.axes]
"model.depth" = [2, 4]
"optim.lr" = [1e-4, 3e-4, 1e-3]
"""


def finish(ws, run_id: str, value: float) -> None:
    store = Store(ws.store_path)
    store.update_run(run_id, status="done", ended=1.0, summary={"objective": "val/acc", "best": {"val/acc": value}})
    run_finished(ws, store.get_run(run_id))


async def test_suggestions_are_recomputed_when_a_run_of_the_sweep_starts_and_ends(tmp_path):
    (tmp_path / "grid.toml").write_text(GRID)
    ws = open_workspace(tmp_path)
    ids = enqueue(ws, plan_runs(load_config(tmp_path / "grid.toml"), ws))
    for run_id, value in zip(ids[:4], (60.0, 70.0, 65.0, 72.0)):
        finish(ws, run_id, value)
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.runs, what="the store to load")
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, SuggestionsScreen), what="the Suggest screen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.suggestions, what="first suggestions", timeout=60)
        first_key = screen._computed_for
        Store(ws.store_path).update_run(ids[4], status="running", started=1.0)
        await wait_until(pilot, lambda: screen._computed_for != first_key, what="a recompute on start")
        started_key = screen._computed_for
        await wait_until(
            pilot,
            lambda: "computing" not in str(screen.query_one("#suggest-head").render()),
            what="suggestions after the start",
            timeout=60,
        )
        finish(ws, ids[4], 75.0)
        await wait_until(pilot, lambda: screen._computed_for != started_key, what="a recompute on finish")
        assert (ids[4], "done") in screen._computed_for[1]
