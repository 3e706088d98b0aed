"""The store's flock: reentrant in a thread, exclusive between threads and processes, gone with a
killed holder, and a lock held too long is one line on the command line, not a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import StoreBusy
from fertui.flock import StoreLock
from tests.waiting import wait_for

HOLDER = ("import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
          "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n")


def holder(path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    lock = StoreLock(str(tmp_path / "s.lock"), timeout=5)
    order = []
    with lock:
        with lock:  # a transaction inside `with store.lock:` (store restore)
            t = threading.Thread(target=lambda: (lock.acquire(), order.append("thread"), lock.release()))
            t.start()
            time.sleep(0.2)
            order.append("owner")
    t.join(5)
    assert order == ["owner", "thread"]


def test_another_process_holding_it_times_out_then_a_kill_frees_it(tmp_path):
    path = tmp_path / "s.lock"
    proc = holder(path)
    try:
        with pytest.raises(StoreBusy, match="still locked by another fertui process"):
            StoreLock(str(path), timeout=0.3).acquire()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    lock = StoreLock(str(path), timeout=5)
    lock.acquire()  # the killed holder's lock went with it
    lock.release()


def test_a_busy_store_is_one_line_and_exit_2(tmp_path, monkeypatch):
    import fertui.store

    assert CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"]).exit_code == 0
    monkeypatch.setattr(fertui.store, "LOCK_TIMEOUT_S", 0.3)
    proc = holder(tmp_path / "runs" / "fertui.json.lock")
    try:
        result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"])
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert result.exit_code == 2, result.output
    assert result.output.startswith("fertui: error: ") and len(result.output.strip().splitlines()) == 1
    assert "fertui.json.lock" in result.output
    wait_for(lambda: CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "true"]).exit_code == 0,
             timeout=10, what="the store to be writable again")
