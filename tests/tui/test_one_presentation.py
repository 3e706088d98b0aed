"""The console's runs table shows a run with the same text as ls and fertui run (Pilot)."""

from __future__ import annotations

from typer.testing import CliRunner

import fertui.cli.runs as runs_cli
from fertui.cli.main import app as cli_app
from fertui.presentation import present
from fertui.tui.app import make_app
from fertui.tui.widgets.runs_table import RunsTable
from tests.foundation.shown_runs import NOW, fill

from .conftest import wait_until


async def test_console_cells_are_the_presentation_ls_shows(tmp_path, monkeypatch):
    space = fill(tmp_path)
    runs = {r["id"]: r for r in space.runs()}
    monkeypatch.setattr(runs_cli, "clock", lambda: NOW)
    monkeypatch.setenv("COLUMNS", "200")
    ls = CliRunner().invoke(cli_app, ["--workspace", str(tmp_path), "ls"]).stdout
    ls_rows = {line.split()[0]: line for line in ls.splitlines()[1:]}
    console = make_app(space.ws, start_daemon=False, clock=lambda: NOW)
    async with console.run_test(size=(200, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: console.screen.query(RunsTable) and console.screen.query_one(RunsTable).row_count == 8,
            what="the runs table",
        )
        table = console.screen.query_one(RunsTable)
        for run_id in ("00001", "00003", "00006", "00007"):  # done, NaN, failed, running
            line = present(runs[run_id], NOW)
            shown = {key: table.get_cell(run_id, key) for key in ("status", "progress", "duration", "best", "params")}
            assert shown["status"].plain == line.status
            assert (shown["progress"], shown["duration"], shown["best"], shown["params"]) == (
                line.progress,
                line.duration,
                line.best,
                line.params,
            )
            assert line.progress in ls_rows[run_id] and line.duration in ls_rows[run_id]
            assert line.best_value in ls_rows[run_id] and line.params in ls_rows[run_id]
        assert table.get_cell("00007", "progress") == "ep 2.2/4" and table.get_cell("00007", "duration") == "2m05s"
        assert table.get_cell("00003", "loss").plain == "NaN"
