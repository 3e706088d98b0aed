"""`fertui store restore` never makes things worse: a job that started is never started again (a
live one is adopted), a healthy store is not rolled back unless asked, and a deleted hot file is
damage, not an empty workspace. Real daemons and jobs; each job leaves one file per start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.scheduler.queue_state import queue_of
from fertui.store import Store
from fertui.store_backup import backup_path
from fertui.workspace import open_workspace
from tests.waiting import wait_for

pytestmark = pytest.mark.slow

# Leaves started.<pid> in its folder at each start, waits for a `go` file, then reports.
GATED = (
    "import os, time\n"
    "d = os.environ['FERTUI_RUN_DIR']\n"
    "open(os.path.join(d, 'started.%d' % os.getpid()), 'w').close()\n"
    "while not os.path.exists(os.path.join(d, 'go')): time.sleep(0.05)\n"
    "print('val/acc: 0.9', flush=True)\n"
)


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


def starts(folder) -> list[str]:
    return sorted(p.name for p in folder.glob("started.*"))


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\ncancel_grace_s = 2\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def gated_run(root) -> tuple:
    assert cli(root, "add", "--", "python", "-c", GATED).exit_code == 0
    ws = open_workspace(root)
    ensure_daemon(ws)
    store = Store(ws.store_path)
    wait_for(lambda: starts(ws.run_dir("00001")), timeout=60, what="the job to start")
    return ws, store


def test_restore_after_the_job_started_adopts_it_and_never_starts_it_twice(workspace):
    ws, store = gated_run(workspace)
    run_dir = ws.run_dir("00001")
    backup = json.loads(backup_path(ws.store_path).read_text())
    assert backup["runs"]["1"]["status"] == "queued"  # the backup is from before the start
    ws.store_path.write_text("")  # the hot file emptied while the job runs

    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0, result.output
    assert "00001: running" in result.output and "adopted" in result.output, result.output
    run = store.get_run("00001")
    assert run["status"] == "running" and run["pid"] == json.loads((run_dir / "launch.json").read_text())["pid"]

    (run_dir / "go").write_text("")
    wait_for(lambda: store.get_run("00001")["status"] == "done", timeout=60, what="the adopted run to end")
    assert len(starts(run_dir)) == 1, starts(run_dir)
    assert (run_dir / "stdout.log").read_text().count("val/acc: 0.9") == 1


def test_restore_refuses_a_healthy_store_and_force_keeps_what_the_folders_show(workspace):
    for _ in range(2):
        assert cli(workspace, "add", "--", "python", "-c", "pass").exit_code == 0
    assert cli(workspace, "queue", "pause").exit_code == 0
    assert cli(workspace, "cancel", "1").exit_code == 0  # the last write: the .bak has 00001 queued
    before = open_workspace(workspace).store_path.read_bytes()

    result = cli(workspace, "store", "restore")
    assert result.exit_code == 2 and "healthy" in result.output and "--force" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert open_workspace(workspace).store_path.read_bytes() == before  # nothing renamed, nothing written

    result = cli(workspace, "store", "restore", "--force")
    assert result.exit_code == 0, result.output
    store = Store(open_workspace(workspace).store_path)
    assert store.get_run("00001")["status"] == "cancelled"  # its folder keeps the cancel
    assert store.get_run("00002")["status"] == "queued"
    assert queue_of(store.snapshot()) == "paused"  # the rollback keeps the queue's state as it was


def test_a_deleted_hot_file_is_damage_and_restore_brings_back_runs_and_sweeps(workspace):
    ws, store = gated_run(workspace)
    (workspace / "sweep.toml").write_text(
        textwrap.dedent("""
        [run]
        name = "x{params.x}"
        [job]
        command = ["python", "-c", "print('val/acc: {params.x}')"]
        [sweep]
        name = "del"
        [sweep.axes]
        "params.x" = [1, 2]
        """)
    )
    assert cli(workspace, "add", str(workspace / "sweep.toml")).exit_code == 0
    ws.store_path.unlink()  # `rm runs/fertui.json` with the daemon and a job running

    for args in (["ls"], ["add", "--", "python", "-c", "pass"], ["sweeps"]):
        result = cli(workspace, *args)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, (args, result.output)
        assert "missing" in result.output and "fertui store restore" in result.output
    assert not ws.store_path.exists()  # the add did not go on writing a new, empty store

    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0, result.output
    assert [s["name"] for s in store.sweeps()] == ["del"]
    assert {r["id"]: r["status"] for r in store.active_runs()}["00001"] == "running"
    (ws.run_dir("00001") / "go").write_text("")
    wait_for(lambda: all(r["status"] == "done" for r in store.runs()), timeout=90, what="every run to end")
    assert len(store.runs()) == 3
    assert len(starts(ws.run_dir("00001"))) == 1


def test_a_killed_restore_leaves_the_store_refusing_until_restore_finishes(workspace):
    assert cli(workspace, "add", "--", "python", "-c", "print('val/acc: 1')").exit_code == 0
    ws = open_workspace(workspace)
    ensure_daemon(ws)
    store = Store(ws.store_path)
    wait_for(lambda: store.get_run("00001")["status"] == "done", timeout=60, what="the run to end")
    stop_daemon(ws, timeout_s=10)
    # A run that the store lost, with a big event file: rebuilding it takes long enough to kill the restore.
    slow = ws.run_dir("00001")
    with open(slow / "events.jsonl", "w") as fh:
        line = json.dumps({"type": "log", "step": 1, "metrics": {"train/loss": 0.5}}) + "\n"
        fh.write(line * 600_000)
    [partition] = store.parts.names()
    store.parts.path(partition).write_text("")  # its first version: no backup, rebuilt from the folder

    proc = subprocess.Popen(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(workspace), "store", "restore"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: list(store.parts.folder.glob("*.damaged-*")), timeout=60, what="the partition set aside")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert ws.store_path.with_name("fertui.json.restoring").exists(), "the restore ended before the kill"

    result = cli(workspace, "ls")
    assert result.exit_code == 2 and "was stopped before it finished" in result.output, result.output
    result = cli(workspace, "store", "restore")
    assert result.exit_code == 0, result.output
    assert store.get_run("00001")["status"] == "done"
    assert cli(workspace, "ls").exit_code == 0
