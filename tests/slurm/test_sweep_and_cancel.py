"""Through the real one-node cluster: a small sweep gives the local executor's exact board;
``fertui cancel`` removes the Slurm job from the queue and marks the run cancelled; a job
cancelled with scancel by hand is a failure that says so."""

from __future__ import annotations

import json
import subprocess

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace

from .slurmkit import job_field, make_workspace, slurm_env, squeue_active, wait_for

pytestmark = pytest.mark.slurm

# A deterministic "training": per-epoch val/acc from the cell's lr and depth.
JOB = """
import sys
import fertui.report as r
lr, depth = float(sys.argv[1]), int(sys.argv[2])
r.start(epochs=3, steps_per_epoch=2, objective="val/acc")
for epoch in range(1, 4):
    r.log({"train/loss": 1.0 / (epoch * depth)}, step=2 * epoch)
    r.log({"val/acc": 50 + depth * epoch + lr * 1e4 / epoch, "val/loss": 1.0 / epoch}, step=2 * epoch, epoch=epoch)
"""

SWEEP = f"""
[run]
name = "probe_d{{model.depth}}_lr{{optim.lr}}"

[job]
command = ["python", "-c", {json.dumps(JOB)}, "{{optim.lr}}", "{{model.depth}}"]

[sweep]
name = "slurm_probe"
strategy = "grid"
objective = "val/acc"
direction = "maximize"

[sweep.axes]
"model.depth" = [2, 4]
"optim.lr" = [1e-4, 1e-3]
"""


def _cli(root, *args):
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    return result


def _sweep_outcome(root) -> tuple[list[dict], dict]:
    (root / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    ran = _cli(root, "run", str(root / "sweep.toml"))
    assert ran.exit_code == 0, ran.output
    board = _cli(root, "board", "slurm_probe", "--format", "json")
    assert board.exit_code == 0, board.output
    runs = Store(open_workspace(root).store_path).runs()
    return runs, json.loads(board.output)


def test_sweep_through_slurm_matches_local_executor(slurm_conf, tmp_path):
    local_runs, local_board = _sweep_outcome(make_workspace(tmp_path / "local", None))
    slurm_runs, slurm_board = _sweep_outcome(make_workspace(tmp_path / "slurm", slurm_conf))

    assert [r["status"] for r in slurm_runs] == ["done"] * 4
    assert [c["states"] for c in slurm_board["cells"]] == [{"done": 1}] * 4
    assert slurm_board == local_board
    for local, slurm in zip(local_runs, slurm_runs):
        assert (slurm["name"], slurm["params"]) == (local["name"], local["params"])
        for key in ("best", "last", "epoch", "epochs", "step", "objective"):
            assert slurm["summary"][key] == local["summary"][key], key
        assert slurm["executor"] == "slurm" and slurm["slurm_job"].isdigit()
        assert slurm["partition"] == "debug" and slurm["node"]
        assert job_field(slurm_conf, slurm["slurm_job"], "JobState") == "COMPLETED"
        assert "slurm_job" not in local
    best = max(r["summary"]["best"]["val/acc"] for r in slurm_runs)
    assert best == pytest.approx(50 + 4 * 3 + 1e-3 * 1e4 / 3)


def test_cancel_removes_the_slurm_job(slurm_conf, tmp_path):
    root = make_workspace(tmp_path / "ws", slurm_conf)
    ws = open_workspace(root)
    added = _cli(root, "add", "--json", "--", "python", "-c", "import time; time.sleep(600)")
    assert added.exit_code == 0, added.output
    run_id = json.loads(added.output)[0]["id"]
    ensure_daemon(ws)
    try:
        run = wait_for(
            lambda: (r := Store(ws.store_path).get_run(run_id)).get("slurm_state") == "RUNNING" and r,
            60,
            "the Slurm job to run",
        )
        job = run["slurm_job"]
        assert squeue_active(slurm_conf).get(job) == "RUNNING"

        cancelled = _cli(root, "cancel", run_id)
        assert cancelled.exit_code == 0, cancelled.output
        assert job not in squeue_active(slurm_conf)
        assert job_field(slurm_conf, job, "JobState") == "CANCELLED"
        run = wait_for(
            lambda: (r := Store(ws.store_path).get_run(run_id))["status"] != "running" and r,
            30,
            "the run to be recorded as ended",
        )
        assert run["status"] == "cancelled"
    finally:
        stop_daemon(ws)


def test_scancel_by_hand_is_a_failure_that_says_so(slurm_conf, tmp_path):
    root = make_workspace(tmp_path / "ws", slurm_conf)
    ws = open_workspace(root)
    added = _cli(root, "add", "--json", "--", "python", "-c", "import time; time.sleep(600)")
    run_id = json.loads(added.output)[0]["id"]
    ensure_daemon(ws)
    try:
        run = wait_for(
            lambda: (r := Store(ws.store_path).get_run(run_id)).get("slurm_state") == "RUNNING" and r,
            60,
            "the Slurm job to run",
        )
        subprocess.run(["scancel", run["slurm_job"]], check=True, env=slurm_env(slurm_conf))
        run = wait_for(
            lambda: (r := Store(ws.store_path).get_run(run_id))["status"] != "running" and r,
            60,
            "the end to be recorded",
        )
    finally:
        stop_daemon(ws)
    assert run["status"] == "failed"
    assert run["error"].startswith(f"Slurm job {run['slurm_job']}: cancelled outside fertui")
    assert any(a["kind"] == "failed" for a in Store(ws.store_path).alerts())
