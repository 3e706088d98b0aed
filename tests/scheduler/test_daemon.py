"""The detached daemon, crashes and restarts, cancel, and a hung-up foreground `fertui run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.control import cancel_runs
from fertui.scheduler.daemon import PID_FILE, daemon_status, ensure_daemon, stop_daemon
from fertui.scheduler.local import process_alive

from .conftest import fertui_argv, wait_for

SLOW_JOB = (
    "import fertui.report as r, time\nfor i in range(40): r.log({'train/loss': 1.0 / (i + 1)}, step=i); time.sleep(0.1)"
)
FAMILY_JOB = (
    "import os, subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
    "open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'child.pid'), 'w').write(str(child.pid))\n"
    "time.sleep(300)"
)


def cli(jobs, *args):
    return CliRunner().invoke(app, ["--workspace", str(jobs.root), *args])


def child_pid(jobs, run_id) -> int:
    path = jobs.ws.run_dir(run_id) / "child.pid"
    return int(wait_for(lambda: path.exists() and path.read_text(), what="the job's child"))


def test_daemon_start_status_stop_and_wakes_on_add(jobs):
    result = cli(jobs, "daemon", "start")
    assert result.exit_code == 0 and "started" in result.output
    assert "already running" in cli(jobs, "daemon", "start").output
    status = json.loads(cli(jobs, "daemon", "status", "--json").output)
    assert status["scheduler"]["mode"] == "daemon" and status["queue"] == "active"
    run_id = jobs.add("pass")  # the daemon is idle: the wake pipe, not its slow tick, starts this
    jobs.wait_status(run_id, "done")
    assert cli(jobs, "daemon", "stop").output.strip() == "daemon stopped"
    assert daemon_status(jobs.ws) is None
    assert cli(jobs, "daemon", "stop").output.strip() == "no daemon was running"


def test_kill_9_daemon_then_restart_accounts_for_every_run(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 2\nretry = 1\n")
    survivor, victim = jobs.add(SLOW_JOB), jobs.add(SLOW_JOB)
    later = jobs.add("pass")
    pid = ensure_daemon(jobs.ws)
    runs = [jobs.wait_status(i, "running") for i in (survivor, victim)]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: daemon_status(jobs.ws) is None, what="the daemon to die")
    os.killpg(runs[1]["pid"], signal.SIGKILL)  # the victim dies with no exit record while nobody watches
    wait_for(lambda: not process_alive(runs[1]["pid"], runs[1]["pid_start"]), what="the victim to die")
    assert process_alive(runs[0]["pid"], runs[0]["pid_start"])
    ensure_daemon(jobs.ws)
    requeued = wait_for(lambda: jobs.run(victim).get("requeued_as"), what="the lost run to be requeued")
    final = {r["id"]: r for r in jobs.wait_all_final()}
    assert final[victim]["status"] == "lost"
    assert final[survivor]["status"] == "done" and final[survivor]["summary"]["step"] == 39
    assert final[later]["status"] == "done"
    assert final[requeued]["status"] == "done" and final[requeued]["retry_of"] == victim
    assert final[requeued]["attempts"] == 1
    assert set(final) == {survivor, victim, later, requeued}
    json.loads((jobs.root / "runs" / "fertui.json").read_text())  # the store parses
    assert "adopted" in (jobs.root / "runs" / "daemon.log").read_text()
    assert [a["kind"] for a in jobs.store.alerts()] == ["lost"]


def test_cancel_kills_the_whole_process_group_under_the_daemon(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\ncancel_grace_s = 5\n")  # one slot: the second run waits
    run_id, queued = jobs.add(FAMILY_JOB), jobs.add("pass")
    ensure_daemon(jobs.ws)
    run = jobs.wait_status(run_id, "running")
    child = child_pid(jobs, run_id)
    cli(jobs, "queue", "pause")
    result = cli(jobs, "cancel", run_id, queued)
    assert result.exit_code == 0
    assert f"{run_id}  cancelled" in result.output and f"{queued}  cancelled (was queued)" in result.output
    assert jobs.status(run_id) == "cancelled" and jobs.status(queued) == "cancelled"
    wait_for(lambda: not process_alive(child, None), what="the job's child to die")
    assert not process_alive(run["pid"], run["pid_start"])


def test_cancel_with_no_scheduler_alive_records_it_itself(jobs):
    run_id = jobs.add(FAMILY_JOB)
    ensure_daemon(jobs.ws)
    jobs.wait_status(run_id, "running")
    child = child_pid(jobs, run_id)
    stop_daemon(jobs.ws)  # the job outlives the daemon
    assert jobs.status(run_id) == "running" and process_alive(child, None)
    assert cancel_runs(jobs.ws, [run_id]) == [(run_id, "cancelled")]
    wait_for(lambda: not process_alive(child, None), what="the job's child to die")


def test_sighup_to_foreground_run_leaves_jobs_running_and_the_daemon_adopts_them(jobs, tmp_path):
    code = (
        "import fertui.report as r, os, time\n"
        "while not os.path.exists(os.path.join(os.environ['FERTUI_RUN_DIR'], 'go')): time.sleep(0.05)\n"
        "r.log({'train/loss': 0.25}, step=3)"
    )
    with open(tmp_path / "run.out", "wb") as out:
        proc = subprocess.Popen(
            fertui_argv(jobs.root, "run", "--", "python", "-c", code),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        run_id = wait_for(
            lambda: next((r["id"] for r in jobs.store.runs() if r["status"] == "running"), None),
            what="the foreground run to start its job",
        )
        run = jobs.run(run_id)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(timeout=60) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    assert process_alive(run["pid"], run["pid_start"]) and jobs.status(run_id) == "running"
    assert daemon_status(jobs.ws)["mode"] == "daemon"  # started by the hung-up `fertui run`
    (jobs.ws.run_dir(run_id) / "go").touch()
    done = jobs.wait_status(run_id, ("done", "failed", "lost"))
    assert done["status"] == "done" and done["summary"]["last"]["train/loss"] == 0.25
    assert f"{run_id} adopted" in (jobs.root / "runs" / "daemon.log").read_text()
    assert "hung up: jobs keep running, the daemon" in (tmp_path / "run.out").read_text()


def test_foreground_run_follows_a_running_daemon(jobs):
    ensure_daemon(jobs.ws)
    result = cli(
        jobs, "run", "--", "python", "-c", "import fertui.report as r; r.log({'val/acc': 70.0}, step=1, epoch=1)"
    )
    assert result.exit_code == 0, result.output
    assert "following" in result.output and "done" in result.output
    assert jobs.store.runs()[0]["status"] == "done"


def test_detach_hands_runs_to_the_daemon_and_drain_stops_it_when_idle(jobs):
    code = (
        "import os, time\nwhile not os.path.exists(os.path.join(os.environ['FERTUI_RUN_DIR'], 'go')): time.sleep(0.05)"
    )
    result = cli(jobs, "run", "--detach", "--", "python", "-c", code)
    assert result.exit_code == 0 and "runs the queue" in result.output, result.output
    first = jobs.store.runs()[0]["id"]
    jobs.wait_status(first, "running")
    assert cli(jobs, "queue", "drain").exit_code == 0
    second = jobs.add("pass")
    (jobs.ws.run_dir(first) / "go").touch()
    jobs.wait_status(first, "done")
    wait_for(lambda: daemon_status(jobs.ws) is None, what="the drained daemon to exit")
    assert jobs.status(second) == "queued"
    assert cli(jobs, "queue").output.strip() == "queue active"


def test_daemon_leaves_when_its_workspace_is_deleted(jobs):
    import shutil

    ensure_daemon(jobs.ws)
    status = daemon_status(jobs.ws)
    # The daemon may write a log line into runs/ while it is being removed (rmtree then fails
    # with "directory not empty", as `rm -rf` would): what is left does not matter, the pid file goes.
    shutil.rmtree(jobs.root / "runs", ignore_errors=True)
    assert not (jobs.root / "runs" / PID_FILE).exists()
    wait_for(lambda: not process_alive(status["pid"], status["create_time"]), what="the daemon to leave")


def test_a_job_ignoring_sigterm_is_killed_after_the_grace_period(jobs):
    jobs.settings("[scheduler]\ncancel_grace_s = 1\n")
    code = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'child.pid'), 'w').write(str(os.getpid()))\n"
        "time.sleep(300)"
    )
    run_id = jobs.add(code)
    ensure_daemon(jobs.ws)
    job = child_pid(jobs, run_id)
    assert cancel_runs(jobs.ws, [run_id]) == [(run_id, "cancelled")]
    wait_for(lambda: not process_alive(job, None), what="the stubborn job to die")


ORPHAN = (
    "import os, time\n"
    "open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'job.pid'), 'w').write(str(os.getpid()))\n"
    "time.sleep(60)"
)


def _job_pid(jobs, run_id: str) -> int:
    path = jobs.root / "runs" / run_id / "job.pid"
    return int(wait_for(lambda: path.exists() and path.read_text(), what="the job's pid"))


@pytest.mark.parametrize("restart_daemon", [False, True])
def test_kill_9_of_the_wrapper_keeps_the_run_watched_until_its_job_ends_and_cancel_reaches_it(jobs, restart_daemon):
    run_id = jobs.add(ORPHAN)
    daemon = ensure_daemon(jobs.ws)
    wrapper = jobs.wait_status(run_id, "running")["pid"]
    job = _job_pid(jobs, run_id)
    os.kill(wrapper, signal.SIGKILL)
    if restart_daemon:  # the adopt path: a new daemon finds a dead wrapper and a live job
        os.kill(daemon, signal.SIGKILL)
        wait_for(lambda: daemon_status(jobs.ws) is None, what="the daemon to die")
        ensure_daemon(jobs.ws)
    time.sleep(1.5)  # several ticks: the run must not be closed, lost or requeued meanwhile
    run = jobs.run(run_id)
    assert run["status"] == "running" and process_alive(job, None), run
    assert len(jobs.store.runs()) == 1  # no second copy started beside the orphan
    result = cli(jobs, "cancel", run_id)
    assert result.exit_code == 0, result.output
    assert jobs.wait_status(run_id, ("cancelled", "failed"))["status"] == "cancelled"
    wait_for(lambda: not process_alive(job, None), what="the orphaned job to be stopped")


def test_a_job_that_outlives_its_killed_wrapper_ends_failed_with_the_reason_and_is_not_rerun(jobs):
    run_id = jobs.add(
        "import os, time\nopen(os.path.join(os.environ['FERTUI_RUN_DIR'], 'job.pid'), 'w')"
        ".write(str(os.getpid()))\ntime.sleep(2)"
    )
    ensure_daemon(jobs.ws)
    wrapper = jobs.wait_status(run_id, "running")["pid"]
    job = _job_pid(jobs, run_id)
    os.kill(wrapper, signal.SIGKILL)
    run = jobs.wait_status(run_id, ("failed", "lost", "done"))
    assert not process_alive(job, None)  # closed only once the job itself was gone
    assert run["status"] == "failed" and "launch wrapper was killed" in run["error"]
    assert len(jobs.store.runs()) == 1
