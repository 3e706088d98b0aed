"""Runs lost with a checkpoint resume in place: the same run id and folder, one continuous curve."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
import tomli_w
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.config import load_config
from fertui.events import read_all
from fertui.plan import enqueue, plan_runs
from fertui.scheduler.daemon import daemon_status, ensure_daemon
from fertui.scheduler.ingest import RunIngest
from fertui.scheduler.local import group_alive
from tests.scheduler.conftest import wait_for

# 14 steps an epoch on 32 px images: a second or more per epoch on the shared CPUs, so the kill
# lands early in epoch 3, after epoch 2's checkpoint.
TINY_TRAIN = {
    "model": {"name": "clsfer_tiny", "depth": 1, "input_size": 32},
    "data": {"name": "synthetic", "synthetic_train": 448, "synthetic_test": 70, "batch_size": 32},
    "train": {"epochs": 5, "log_every": 1, "threads": 1},
    "run": {"name": "tiny"},
}


def queue_train(jobs) -> str:
    path = jobs.root / "tiny.toml"
    path.write_text(tomli_w.dumps(TINY_TRAIN))
    (run_id,) = enqueue(jobs.ws, plan_runs(load_config(path), jobs.ws))
    return run_id


def checkpoints(run_dir) -> list[dict]:
    return [e for e in read_all(run_dir / "events.jsonl") if e.get("type") == "checkpoint"]


@pytest.mark.slow
def test_kill_9_of_job_and_daemon_at_epoch_2_resumes_the_same_run(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\nretry = 1\n")
    run_id = queue_train(jobs)
    run_dir = jobs.ws.run_dir(run_id)
    daemon = ensure_daemon(jobs.ws)
    wait_for(lambda: any(c["epoch"] == 2 for c in checkpoints(run_dir)), 240, "epoch 2's checkpoint")
    job = jobs.run(run_id)["pid"]
    os.kill(daemon, signal.SIGKILL)
    os.killpg(job, signal.SIGKILL)
    wait_for(lambda: daemon_status(jobs.ws) is None and not group_alive(job), what="job and daemon to die")
    kept = checkpoints(run_dir)[-1]["epoch"]
    ensure_daemon(jobs.ws)
    run = jobs.wait_status(run_id, ("done", "failed", "lost"), timeout=240)

    assert run["status"] == "done" and run["attempts"] == 1 and kept == 2
    assert not run.get("error") and "vanished" in run["requeues"][0]["reason"]  # why it was requeued, kept
    assert run["first_started"] < run["requeues"][0]["time"] < run["started"]  # its time is the whole run's
    assert run["summary"]["resumed_epoch"] == 2 and run["summary"]["epoch"] == 5
    assert [r["id"] for r in jobs.store.runs()] == [run_id]  # no new run
    events = read_all(run_dir / "events.jsonl")
    steps = [e["step"] for e in events if e.get("type") == "log" and "train/loss" in e["metrics"]]
    assert steps == sorted(set(steps)) and steps[-1] == 5 * 14  # one curve: no step twice, none missing
    assert steps == list(range(1, 5 * 14 + 1))
    assert [e["epoch"] for e in events if e.get("type") == "log" and "val/acc" in e["metrics"]] == [1, 2, 3, 4, 5]
    assert "resumed from" in (run_dir / "stdout.log").read_text()
    shown = CliRunner().invoke(app, ["--workspace", str(jobs.root), "show", run_id]).output
    assert "resumed_epoch" in shown and "2" in shown


def test_fertui_resume_by_hand_and_what_it_refuses(jobs):
    checkpoint_job = (
        "import os, pathlib, sys, fertui.report as r; d = pathlib.Path(os.environ['FERTUI_RUN_DIR']); "
        "(d / 'checkpoints').mkdir(exist_ok=True); (d / 'checkpoints' / 'state.txt').write_text('7'); "
        "r.log({'train/loss': 1.0}, step=7); r.checkpoint(d / 'checkpoints' / 'state.txt', step=7); "
        "r.log({'train/loss': 0.9}, step=8); r.summary(argv=sys.argv[1:]); sys.exit(1)"
    )
    cfg = f'job.resume_command=["python", "-c", {json.dumps(checkpoint_job)}, "--from", "{{run.resume}}"]'
    resumable = jobs.add(checkpoint_job, cfg)
    plain = jobs.add("import sys; sys.exit(1)")
    from tests.scheduler.test_queue_order import serve_until_drained

    serve_until_drained(jobs.ws)
    assert jobs.status(resumable) == jobs.status(plain) == "failed"
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "resume", resumable, plain])
    assert result.exit_code == 2 and f"run {plain} has no checkpoint" in result.output
    assert jobs.status(resumable) == "failed"  # all checked first
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "resume", resumable])
    assert result.exit_code == 0 and "queued to resume from" in result.output
    run = jobs.run(resumable)
    assert run["status"] == "queued" and run["attempts"] == 1 and run["error"] is None
    moved = jobs.ws.run_dir(resumable) / "events.attempt1.jsonl"
    assert [e["step"] for e in read_all(moved) if e.get("type") == "log"] == [8]  # after the checkpoint
    serve_until_drained(jobs.ws)
    run = jobs.run(resumable)
    checkpoint = str(jobs.ws.run_dir(resumable) / "checkpoints" / "state.txt")
    assert run["summary"]["values"]["argv"] == ["--from", checkpoint]  # the resume_command, filled

    # Its checkpoint removed by `fertui clean`: resume says so, not "needs [job] resume_command".
    assert jobs.status(resumable) == "failed"
    cleaned = CliRunner().invoke(app, ["--workspace", str(jobs.root), "clean", "--failed", "--yes"])
    assert cleaned.exit_code == 0, cleaned.output
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "resume", resumable])
    assert result.exit_code == 2 and "fertui clean" in result.output and "resume_command" not in result.output


def test_a_resumed_attempts_eta_counts_from_where_it_resumed(tmp_path):
    (tmp_path / "events.jsonl").write_text(
        '{"type":"start","epochs":4,"steps_per_epoch":10,"resumed_epoch":2,"resumed_step":20}\n'
        '{"type":"log","step":30,"epoch":3,"metrics":{"val/acc":50.0}}\n'
    )
    ingest = RunIngest({"id": "00001", "started": time.time() - 100}, tmp_path)  # 10 steps in 100 s
    ingest.read()
    s = ingest.summary
    assert s["resumed_epoch"] == 2 and s["progress"] == 0.75
    assert 95 <= s["eta_s"] <= 110  # 10 steps left at this attempt's pace, not 33 s from 30 steps in 100 s
