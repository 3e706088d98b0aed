"""cancel, retry, logs, priority and queue from the command line, including bad input."""

from __future__ import annotations

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.core import Scheduler
from fertui.scheduler.queue_state import queue_state


def cli(jobs, *args):
    return CliRunner().invoke(app, ["--workspace", str(jobs.root), *args])


def drain_here(jobs) -> None:
    scheduler = Scheduler(jobs.ws)
    scheduler.serve(until=lambda s: not s.tracked and not any(r["status"] == "queued" for r in s.runs.values()))


def test_cancel_unknown_id_is_one_line_exit_2_and_changes_nothing(jobs):
    run_id = jobs.add("pass")
    result = cli(jobs, "cancel", run_id, "99999")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"fertui: error: no run '99999' in {jobs.ws.store_path}"]
    assert jobs.status(run_id) == "queued"


def test_retry_running_or_queued_run_is_a_clear_error(jobs):
    run_id = jobs.add("pass")
    jobs.store.update_run(run_id, status="running")
    result = cli(jobs, "retry", run_id)
    assert result.exit_code == 2 and "is running; only finished runs can be retried" in result.output
    assert len(jobs.store.runs()) == 1


def test_retry_queues_a_new_run_with_the_same_command(jobs):
    run_id = jobs.add("import sys; print('attempt'); sys.exit(1)")
    drain_here(jobs)
    assert jobs.status(run_id) == "failed"
    result = cli(jobs, "retry", run_id)
    assert result.exit_code == 0
    new_id = result.output.split()[2]
    new = jobs.run(new_id)
    assert new["status"] == "queued" and new["retry_of"] == run_id and new["attempts"] == 1
    assert new["command"] == jobs.run(run_id)["command"]
    assert jobs.status(run_id) == "failed"  # the old run keeps its outcome and log


def test_logs_prints_and_follows_the_job_output(jobs):
    run_id = jobs.add("import time\nfor i in range(5): print('line', i); time.sleep(0.1)")
    assert "has no log yet" in cli(jobs, "logs", run_id).output
    drain_here(jobs)
    result = cli(jobs, "logs", run_id)
    assert result.output.splitlines() == [f"line {i}" for i in range(5)]
    assert cli(jobs, "logs", run_id, "-n", "2").output.splitlines() == ["line 3", "line 4"]
    assert cli(jobs, "logs", run_id, "-f").output.splitlines()[-1] == "line 4"  # ends: the run is done


def test_priority_and_pause_resume(jobs):
    first, second = jobs.add("pass"), jobs.add("pass")
    assert cli(jobs, "priority", second, "3").exit_code == 0
    assert jobs.run(second)["priority"] == 3
    assert cli(jobs, "queue", "pause").exit_code == 0 and queue_state(jobs.ws) == "paused"
    result = cli(jobs, "run")
    assert "the queue is paused: 2 run(s) stay queued" in result.output
    assert jobs.status(first) == "queued" and jobs.status(second) == "queued"
    assert cli(jobs, "queue", "resume").exit_code == 0 and cli(jobs, "queue").output.strip() == "queue active"
    assert cli(jobs, "run").exit_code == 0
    assert jobs.run(second)["started"] < jobs.run(first)["started"]


def test_run_with_nothing_queued_and_bad_config(jobs):
    result = cli(jobs, "run")
    assert result.exit_code == 0
    result = cli(jobs, "run", str(jobs.root / "missing.toml"))
    assert result.exit_code == 2 and "missing.toml" in result.output
    assert jobs.store.runs() == []
