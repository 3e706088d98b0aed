"""`fertui run` on a real terminal that goes away (tmux kill-session hangs the pane up, and every
later write to it fails with EIO): the daemon takes over the running jobs and the rest of the queue."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid

import pytest

from fertui.scheduler.daemon import daemon_status

from .conftest import wait_for

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_killed_tmux_session_hands_running_jobs_and_the_queue_to_the_daemon(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    ids = [jobs.add("import time; time.sleep(4)") for _ in range(3)]
    session = f"fertui-drop-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -m fertui.cli.main --workspace {jobs.root} run"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30", command],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        wait_for(lambda: sum(jobs.status(i) == "running" for i in ids) == 2, 60, "two jobs running")
        foreground = daemon_status(jobs.ws)
        assert foreground and foreground["mode"] == "foreground"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    daemon = wait_for(
        lambda: (lambda s: s if s and s["mode"] == "daemon" else None)(daemon_status(jobs.ws)),
        30,
        "the daemon to take over",
    )
    assert daemon["pid"] != foreground["pid"]
    final = jobs.wait_all_final()
    assert [r["status"] for r in final] == ["done"] * 3, final  # the queued one ran too; nothing lost
    log = (jobs.root / "runs" / "daemon.log").read_text()
    assert all(f"{i} python ended: done" in log for i in ids[:2])  # the adopted ones were watched to the end


def test_sigterm_to_fertui_run_hands_over_too(jobs):
    ids = [jobs.add("import time; time.sleep(3)") for _ in range(2)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(jobs.root), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for(lambda: jobs.status(ids[0]) == "running", 60, "the first job running")
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert "the daemon" in output and "watches them" in output, output
    final = jobs.wait_all_final()
    assert [r["status"] for r in final] == ["done", "done"], final


def test_ctrl_c_exits_130_and_the_jobs_keep_their_real_state(jobs):
    quick, slow = jobs.add("pass"), jobs.add("import time; time.sleep(3)")
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(jobs.root), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    jobs.wait_status(quick, "done")
    wait_for(lambda: jobs.status(slow) == "running", 60, "the slow job running")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert jobs.status(quick) == "done" and jobs.status(slow) == "running"  # it runs on, as it really does
    assert "keep running" in output
