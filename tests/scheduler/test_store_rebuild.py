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
SCRIPT = (
    "import time; lr = {params.lr}\n"
    "if lr > 0.2: print('epoch: 1 loss: nan', flush=True); time.sleep(60)\n"
    "print('epoch: 1 val/acc: 60.0', flush=True); print('epoch: 2 val/acc: 70.0', flush=True)\n"
)


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 2\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def start_sweep(root, sweep: str, run_name: str, script: str, axis: str, seeds: str = "[0]"):
    """Queue a command-job sweep of SCRIPT over AXIS ("params.x" = [...]) and start the daemon."""
    (root / "sweep.toml").write_text(
        textwrap.dedent('''
        [run]
        name = "%s"
        [job]
        command = ["python", "-c", """%s"""]
        [sweep]
        name = "%s"
        seeds = %s
        [sweep.axes]
        %s
        ''')
        % (run_name, script, sweep, seeds, axis)
    )
    assert cli(root, "add", str(root / "sweep.toml")).exit_code == 0
    ws = open_workspace(root)
    ensure_daemon(ws)
    return ws, Store(ws.store_path)


def test_restore_rebuilds_the_newest_runs_as_they_ended(workspace):
    ws, store = start_sweep(workspace, "rb", "lr{params.lr}_s{run.seed}", SCRIPT, '"params.lr" = [0.1, 0.3]', "[0, 1]")
    wait_for(
        lambda: len(store.sweep_runs("rb")) == 4 and all(r["status"] in FINAL_STATES for r in store.sweep_runs("rb")),
        timeout=90,
        what="the sweep to end",
    )
    stop_daemon(ws, timeout_s=10)
    before = {r["id"]: r for r in store.sweep_runs("rb")}
    assert sorted(r["status"] for r in before.values()) == ["done", "done", "nan", "nan"]
    board = cli(workspace, "board", "rb", "--rows", "run.seed", "--cols", "params.lr", "-f", "json").output

    partition = store.parts.path("sweep-rb+0")
    partition.write_text("")  # damaged; its .bak is the partition before the last run moved in
    assert cli(workspace, "ls").exit_code == 2
    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0 and "rebuilt from their folders" in result.output, result.output

    after = {r["id"]: r for r in store.sweep_runs("rb")}
    assert after.keys() == before.keys()
    rebuilt = [i for i in after if after[i].get("recovered")]
    assert rebuilt, "the backup should have been one move behind"
    for run_id in after:
        for key in ("status", "name", "params", "sweep", "exit_code", "slot", "pid", "started", "code"):
            assert after[run_id].get(key) == before[run_id].get(key), (run_id, key)
        assert after[run_id]["slot"] and after[run_id]["pid"]  # where and as what it ran
        assert after[run_id]["summary"]["best"] == before[run_id]["summary"]["best"]
    assert cli(workspace, "board", "rb", "--rows", "run.seed", "--cols", "params.lr", "-f", "json").output == board


GATED = (
    "import os, time\n"
    "while not os.path.exists(os.path.join(os.environ['FERTUI_RUN_DIR'], 'go')): time.sleep(0.05)\n"
    "print('val/acc: {params.x}', flush=True)\n"
)


def test_the_daemon_waits_on_a_damaged_partition_then_carries_on_after_restore(workspace):
    (workspace / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\n")
    ws, store = start_sweep(workspace, "dm", "x{params.x}", GATED, '"params.x" = [1, 2]')
    first, second = sorted(r["id"] for r in store.active_runs())
    (ws.run_dir(first) / "go").write_text("")
    wait_for(
        lambda: store.get_run(first)["status"] == "done" and store.get_run(second)["status"] == "running",
        timeout=60,
        what="the first run done, the second running",
    )
    store.parts.path("sweep-dm+0").write_text("")  # the partition's first version: no backup yet
    (ws.run_dir(second) / "go").write_text("")
    log = ws.runs_dir / "daemon.log"
    wait_for(lambda: "sweep-dm+0.json: the store is empty" in log.read_text(), timeout=30, what="the daemon to notice")
    result = cli(workspace, "ls")
    assert result.exit_code == 2 and "fertui store restore" in result.output  # one line, names the way out

    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0 and "set aside" in result.output, result.output
    wait_for(lambda: store.get_run(second)["status"] == "done", timeout=30, what="the second run closed")
    assert {r["id"]: r["status"] for r in store.sweep_runs("dm")} == {first: "done", second: "done"}
    wait_for(lambda: store.alerts(), timeout=15, what="the alert once the store is whole (after the tick)")
    assert [a["kind"] for a in store.alerts()] == ["store_damaged"]
    assert "tick failed" not in log.read_text()  # one warning, no traceback per tick


def test_a_cancelled_run_rebuilt_from_its_folder_is_still_cancelled(workspace):
    assert (
        cli(
            workspace, "add", "--", "python", "-c", "import time; print('loss: 0.5', flush=True); time.sleep(60)"
        ).exit_code
        == 0
    )
    ws = open_workspace(workspace)
    ensure_daemon(ws)
    store = Store(ws.store_path)
    wait_for(lambda: store.get_run("00001")["status"] == "running", timeout=30, what="the job to start")
    assert cli(workspace, "cancel", "1").exit_code == 0
    wait_for(lambda: store.get_run("00001")["status"] == "cancelled", timeout=30, what="the cancel")
    stop_daemon(ws, timeout_s=10)
    [partition] = store.parts.names()
    store.parts.path(partition).write_text("")  # its first version: the run comes back from its folder
    assert cli(workspace, "store", "restore").exit_code == 0
    run = store.get_run("00001")
    assert run["recovered"] and run["status"] == "cancelled"  # not "failed" (killed by a signal)
