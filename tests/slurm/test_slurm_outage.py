"""slurmctld goes away while a job runs (a controller restart, a network blip): fertui keeps
the run as running, says so once in the log, and records the right end once Slurm answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

from .slurmkit import make_workspace, slurm_env, squeue_active, wait_for

pytestmark = pytest.mark.slurm

# Runs until the test creates `release` in the run folder, so the outage falls inside the job.
JOB = """
import os, pathlib, time
import fertui.report as report
release = pathlib.Path(os.environ["FERTUI_RUN_DIR"]) / "release"
while not release.exists():
    time.sleep(0.1)
report.log({"val/acc": 33.0}, step=1, epoch=1)
"""


def _controller_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_controller_outage_neither_ends_nor_loses_the_run(slurm_conf, tmp_path):
    root = make_workspace(tmp_path / "ws", slurm_conf)
    ws = open_workspace(root)
    added = CliRunner().invoke(app, ["--workspace", str(root), "add", "--json", "--", "python", "-c", JOB])
    assert added.exit_code == 0, added.output
    run_id = json.loads(added.output)[0]["id"]
    store = Store(ws.store_path)
    pid_file = slurm_conf.parent / "run" / "slurmctld.pid"
    ensure_daemon(ws)
    try:
        run = wait_for(lambda: (r := store.get_run(run_id)).get("slurm_state") == "RUNNING" and r, 60, "the job to run")
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not _controller_alive(pid), 30, "slurmctld to stop")
        log = ws.runs_dir / "daemon.log"
        wait_for(lambda: "Slurm does not answer" in log.read_text(), 30, "the daemon to notice the outage")
        (ws.run_dir(run_id) / "release").touch()  # the job ends while nobody can ask Slurm about it
        wait_for(lambda: (ws.run_dir(run_id) / "exit.json").exists(), 30, "the job to finish")
        assert store.get_run(run_id)["status"] == "running"

        subprocess.run(["slurmctld", "-f", str(slurm_conf)], check=True, env=slurm_env(slurm_conf), timeout=60)
        run = wait_for(
            lambda: (r := store.get_run(run_id))["status"] != "running" and r,
            60,
            "the end to be recorded after the controller is back",
        )
    finally:
        stop_daemon(ws)
    assert run["status"] == "done", run.get("error")
    assert run["summary"]["best"]["val/acc"] == 33.0
    assert run["slurm_job"] not in squeue_active(slurm_conf)
    assert log.read_text().count("Slurm does not answer") == 1  # once, not on every tick
