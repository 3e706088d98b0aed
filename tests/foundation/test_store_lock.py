"""A store lock held past its timeout (a hung fertui process, a stale NFS lock) is one line on
the command line and exit 2, not a traceback; the store is writable again once the holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from typer.testing import CliRunner

from fertui.cli.main import app
from tests.waiting import wait_for

HOLDER = (
    "import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n"
)


def test_a_busy_store_is_one_line_and_exit_2(tmp_path, monkeypatch):
    import fertui.store

    assert CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"]).exit_code == 0
    monkeypatch.setattr(fertui.store, "LOCK_TIMEOUT_S", 0.3)
    lock = tmp_path / "runs" / "fertui.json.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"])
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert result.exit_code == 2, result.output
    assert result.output.startswith("fertui: error: ") and len(result.output.strip().splitlines()) == 1
    assert "fertui.json.lock: still locked by another fertui process" in result.output
    wait_for(
        lambda: CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"]).exit_code == 0,
        timeout=10,
        what="the store to be writable again",
    )
