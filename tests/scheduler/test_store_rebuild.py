"""A restored store is one write behind: the runs of that last write come back from their folders
with the status, summary and sweep cell they had (a NaN run stays nan, the board is unchanged)."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import FINAL_STATES, Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for

# lr = 0.1 reports val/acc 60 then 70; lr = 0.3 prints a NaN loss and would hang but for the NaN stop
SCRIPT = ("import time; lr = {params.lr}\n"
          "if lr > 0.2: print('epoch: 1 loss: nan', flush=True); time.sleep(60)\n"
          "print('epoch: 1 val/acc: 60.0', flush=True); print('epoch: 2 val/acc: 70.0', flush=True)\n")


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 2\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def test_restore_rebuilds_the_newest_runs_as_they_ended(workspace):
    (workspace / "sweep.toml").write_text(textwrap.dedent('''
        [run]
        name = "lr{params.lr}_s{run.seed}"
        [job]
        command = ["python", "-c", """%s"""]
        [sweep]
        name = "rb"
        seeds = [0, 1]
        [sweep.axes]
        "params.lr" = [0.1, 0.3]
        ''') % SCRIPT)
    assert cli(workspace, "add", str(workspace / "sweep.toml")).exit_code == 0
    ws = open_workspace(workspace)
    ensure_daemon(ws)
    store = Store(ws.store_path)
    wait_for(lambda: len(store.sweep_runs("rb")) == 4 and all(r["status"] in FINAL_STATES
                                                              for r in store.sweep_runs("rb")),
             timeout=90, what="the sweep to end")
    stop_daemon(ws, timeout_s=10)
    before = {r["id"]: r for r in store.sweep_runs("rb")}
    assert sorted(r["status"] for r in before.values()) == ["done", "done", "nan", "nan"]
    board = cli(workspace, "board", "rb", "--rows", "run.seed", "--cols", "params.lr", "-f", "json").output

    partition = store.parts.path("sweep-rb")
    partition.write_text("")  # damaged; its .bak is the partition before the last run moved in
    assert cli(workspace, "ls").exit_code == 2
    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0 and "rebuilt from their folders" in result.output, result.output

    after = {r["id"]: r for r in store.sweep_runs("rb")}
    assert after.keys() == before.keys()
    rebuilt = [i for i in after if after[i].get("recovered")]
    assert rebuilt, "the backup should have been one move behind"
    for run_id in after:
        for key in ("status", "name", "params", "sweep", "exit_code"):
            assert after[run_id].get(key) == before[run_id].get(key), (run_id, key)
        assert after[run_id]["summary"]["best"] == before[run_id]["summary"]["best"]
    assert cli(workspace, "board", "rb", "--rows", "run.seed", "--cols", "params.lr", "-f", "json").output == board
