"""Slurm requeues a job itself (what preemption with PreemptMode=REQUEUE does): the run stays
attached to the same job id, the first attempt's exit record is not taken as the end, and
the second attempt resumes from its checkpoint."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

from .slurmkit import job_field, make_workspace, slurm_env, wait_for

pytestmark = pytest.mark.slurm

JOB = """
import os, pathlib, time
import fertui.report as report
ckpt = pathlib.Path(os.environ["FERTUI_RUN_DIR"]) / "checkpoints" / "last.pt"
if ckpt.exists():
    print("resumed on restart", os.environ.get("SLURM_RESTART_COUNT"), flush=True)
    report.log({"val/acc": 70.0}, step=int(ckpt.read_text()) + 1, epoch=1)
else:
    ckpt.parent.mkdir(exist_ok=True)
    ckpt.write_text("5")
    print("first attempt", flush=True)
    while True:
        time.sleep(0.2)
"""


def test_job_requeued_by_slurm_stays_attached_and_resumes(slurm_conf, tmp_path):
    root = make_workspace(tmp_path / "ws", slurm_conf)
    ws = open_workspace(root)
    added = CliRunner().invoke(app, ["--workspace", str(root), "add", "--json", "--", "python", "-c", JOB])
    assert added.exit_code == 0, added.output
    run_id = json.loads(added.output)[0]["id"]
    store = Store(ws.store_path)
    log = ws.run_dir(run_id) / "stdout.log"
    ensure_daemon(ws)
    try:
        run = wait_for(
            lambda: (
                (r := store.get_run(run_id)).get("slurm_state") == "RUNNING"
                and log.exists()
                and "first attempt" in log.read_text()
                and r
            ),
            60,
            "the first attempt",
        )
        job = run["slurm_job"]
        subprocess.run(["scontrol", "requeue", job], check=True, env=slurm_env(slurm_conf))
        # Slurm holds a requeued job back for a while (BeginTime); let it start again at once.
        wait_for(lambda: job_field(slurm_conf, job, "JobState") == "PENDING", 30, "Slurm to requeue the job")
        assert store.get_run(run_id)["status"] == "running"
        subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], check=True, env=slurm_env(slurm_conf))

        run = wait_for(
            lambda: (r := store.get_run(run_id))["status"] != "running" and r, 60, "the second attempt to finish"
        )
    finally:
        stop_daemon(ws)
    assert run["status"] == "done", run.get("error")
    assert run["slurm_job"] == job and job_field(slurm_conf, job, "Restarts") == "1"
    assert run["summary"]["best"]["val/acc"] == 70.0
    assert "resumed on restart 1" in log.read_text()
    assert json.loads((ws.run_dir(run_id) / "exit.json").read_text())["exit_code"] == 0
