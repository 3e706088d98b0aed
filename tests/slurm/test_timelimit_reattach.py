"""A Slurm time limit stops a job: fertui marks it, requeues it, and the job resumes from its
checkpoint; a restarted daemon re-attaches to the Slurm job in between.

Slurm time limits have one-minute resolution, so this job runs about 80 s: the first test
starts it (marked slurm_first), the other slurm tests run meanwhile, the last one checks it.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import daemon_status, ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

from .slurmkit import job_field, make_workspace, squeue_active, wait_for

pytestmark = pytest.mark.slurm

# First attempt: writes a "checkpoint" and works until Slurm's time limit stops it.
# Second attempt: finds checkpoints/last.pt, resumes from its step and finishes.
JOB = """
import os, pathlib, time
import fertui.report as report
ckpt = pathlib.Path(os.environ["FERTUI_RUN_DIR"]) / "checkpoints" / "last.pt"
if ckpt.exists():
    step = int(ckpt.read_text())
    print("resumed from step", step, flush=True)
    report.log({"val/acc": 61.5}, step=step + 1, epoch=2)
    report.summary(resumed_step=step)
else:
    ckpt.parent.mkdir(exist_ok=True)
    report.log({"train/loss": 0.5}, step=10)
    ckpt.write_text("10")
    while True:
        time.sleep(0.2)
"""


@pytest.fixture(scope="session")
def timelimit_ws(slurm_conf, tmp_path_factory):
    """A workspace (slurm executor, one-minute limit) with the job queued and the daemon running.

    Session scope: the two tests of this module are run apart (first and last), and a module
    fixture would be torn down and rebuilt in between."""
    root = make_workspace(tmp_path_factory.mktemp("timelimit"), slurm_conf, time="1")
    ws = open_workspace(root)
    result = CliRunner().invoke(app, ["--workspace", str(root), "add", "--json", "--", "python", "-c", JOB])
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.output)[0]["id"]
    ensure_daemon(ws)
    try:
        yield ws, run_id
    finally:
        stop_daemon(ws)
        for job in Store(ws.store_path).get_run(run_id).get("requeues", []):
            assert job["slurm_job"] not in squeue_active(slurm_conf)


def _run(ws, run_id) -> dict:
    return Store(ws.store_path).get_run(run_id)


@pytest.mark.slurm_first
def test_restarted_daemon_reattaches_to_running_slurm_job(timelimit_ws, slurm_conf):
    ws, run_id = timelimit_ws
    run = wait_for(
        lambda: (r := _run(ws, run_id)).get("slurm_state") == "RUNNING" and r, 60, "the Slurm job to start running"
    )
    job = run["slurm_job"]
    assert run["status"] == "running" and run["executor"] == "slurm"
    assert run["node"] and run["partition"] == "debug"
    assert job_field(slurm_conf, job, "TimeLimit") == "00:01:00"

    assert stop_daemon(ws)
    assert daemon_status(ws) is None
    assert squeue_active(slurm_conf).get(job) == "RUNNING"  # Slurm keeps the job without fertui

    ensure_daemon(ws)
    log = ws.runs_dir / "daemon.log"
    wait_for(lambda: f"{run_id} adopted" in log.read_text(), 30, "the new daemon to adopt the job")
    run = _run(ws, run_id)
    assert run["status"] == "running" and run["slurm_job"] == job


@pytest.mark.slurm_last
def test_time_limit_marks_requeues_and_resumes(timelimit_ws, slurm_conf):
    ws, run_id = timelimit_ws
    run = wait_for(
        lambda: (r := _run(ws, run_id))["status"] in ("done", "failed", "lost") and r,
        200,
        "the time-limited run to finish its second attempt",
        interval=1.0,
    )
    assert run["status"] == "done", run.get("error")
    assert f"{run_id} adopted" in (ws.runs_dir / "daemon.log").read_text()  # the job the first test saw
    assert run["attempts"] == 1
    (requeue,) = run["requeues"]
    assert "time limit" in requeue["reason"]
    assert job_field(slurm_conf, requeue["slurm_job"], "JobState") == "TIMEOUT"
    assert run["slurm_job"] != requeue["slurm_job"]
    assert job_field(slurm_conf, run["slurm_job"], "JobState") == "COMPLETED"
    assert run["summary"]["best"]["val/acc"] == 61.5

    log = (ws.run_dir(run_id) / "stdout.log").read_text()
    assert "DUE TO TIME LIMIT" in log and "resumed from step 10" in log
    alerts = [a for a in Store(ws.store_path).alerts() if a["run"] == run_id]
    assert [a["kind"] for a in alerts] == ["requeued"]
