"""Bulk `cancel` / `retry`: id ranges, --sweep, --status, --name; a count before acting, and a
question (or --yes) when many runs match."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fertui.cli.main import app
from tests.foundation.test_bad_input import assert_one_line_error, store_bytes

SWEEP = """[run]
name = "s_lr{optim.lr}"
[job]
command = ["python", "-c", "pass"]
[sweep]
name = "LR"
[sweep.axes]
"optim.lr" = [1e-4, 2e-4, 3e-4]
"""


def cli(ws, *args, input=None):
    return CliRunner().invoke(app, ["--workspace", str(ws), *args], input=input)


def states(ws) -> dict[str, str]:
    return {r["id"]: r["status"] for r in json.loads(cli(ws, "ls", "--json").stdout)}


def queue_commands(ws, n: int, name: str = "job") -> None:
    for i in range(n):
        assert cli(ws, "add", "--set", f"run.name={name}{i}", "--", "true").exit_code == 0


def test_cancel_an_id_range_asks_then_cancels_exactly_that_range(tmp_path):
    queue_commands(tmp_path, 6)
    declined = cli(tmp_path, "cancel", "2-5", input="n\n")
    assert declined.exit_code == 1
    assert declined.stdout.splitlines()[0] == "cancel: 4 runs match: 4 queued"
    assert set(states(tmp_path).values()) == {"queued"}
    result = cli(tmp_path, "cancel", "2-5", input="y\n")
    assert result.exit_code == 0, result.output
    assert states(tmp_path) == {
        "00001": "queued",
        "00002": "cancelled",
        "00003": "cancelled",
        "00004": "cancelled",
        "00005": "cancelled",
        "00006": "queued",
    }
    again = cli(tmp_path, "cancel", "1-6", "--yes")
    assert again.stdout.splitlines()[0] == (
        "cancel: 2 runs match: 2 queued (4 others left alone: cancel applies to queued, running, held)"
    )
    assert set(states(tmp_path).values()) == {"cancelled"}


def test_cancel_a_whole_sweep_and_retry_what_failed_by_status(tmp_path):
    queue_commands(tmp_path, 1, name="other")
    (tmp_path / "lr.toml").write_text(SWEEP)
    assert cli(tmp_path, "add", str(tmp_path / "lr.toml")).exit_code == 0
    result = cli(tmp_path, "cancel", "--sweep", "LR")
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "cancel: 3 runs match: 3 queued"
    assert states(tmp_path) == {"00001": "queued", "00002": "cancelled", "00003": "cancelled", "00004": "cancelled"}
    retried = cli(tmp_path, "retry", "--status", "cancelled", "--name", "s_lr2*")
    assert retried.stdout.splitlines() == ["retry: 1 run matches: 1 cancelled", "00003 -> 00005  queued"]


def test_many_runs_without_a_terminal_to_ask_need_yes(tmp_path):
    queue_commands(tmp_path, 5)
    before = store_bytes(tmp_path)
    result = cli(tmp_path, "cancel", "--status", "queued")
    assert result.exit_code == 2 and "5 runs match; add --yes to cancel them without asking" in result.stderr
    assert store_bytes(tmp_path) == before


def test_bad_bulk_selections_are_one_line_and_change_nothing(tmp_path):
    queue_commands(tmp_path, 2)
    before = store_bytes(tmp_path)
    for args, expected in (
        (["cancel"], "give run ids, an id range (10-36), or --sweep"),
        (["cancel", "40-50"], "no run in the id range 40-50"),
        (["cancel", "--sweep", "nope"], "--sweep nope: no such sweep"),
        (["retry", "--status", "faild"], "--status: unknown state 'faild'"),
    ):
        assert_one_line_error(cli(tmp_path, *args), expected)
        assert store_bytes(tmp_path) == before
