"""`fertui` in a real terminal (tmux, 80x24): keys in, screen read back with capture-pane.

Also the promise of the console: quitting leaves jobs running, and reopening shows them live.
Skipped where tmux is not installed (`apt-get install -y tmux`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest

from fertui.store import Store

from .conftest import queue_job, train_command, wait_for

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
FERTUI = [sys.executable, "-m", "fertui.cli.main"]


class Terminal:
    def __init__(self, root):
        self.root = root
        self.name = f"fertui-test-{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        command = " ".join([*FERTUI, "--workspace", str(self.root)]) + "; echo CONSOLE-EXITED; sleep 600"
        env = {**os.environ, "TERM": "xterm-256color"}
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "80", "-y", "24", command], check=True, env=env
        )

    def screen(self) -> str:
        out = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait(self, predicate, what: str, timeout: float = 60.0) -> str:
        try:
            return wait_for(lambda: (lambda s: s if predicate(s) else None)(self.screen()), timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- screen ---\n{self.screen()}") from None

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(filled_ws):
    term = Terminal(filled_ws.root)
    yield term
    term.close()


def test_console_in_tmux_filter_screens_quit_and_reopen(filled_ws, terminal):
    terminal.start()
    terminal.wait(lambda s: "1Runs" in s and "CLSFER_depth2_SearchLR_lr1e-4" in s, "the runs table")
    run_id = queue_job(filled_ws, "tmux_long_run", train_command(1e-4, 2, epochs=200, spe=10, pause=0.2))
    terminal.wait(lambda s: run_id in s and "running" in s, "the new run running (the console started the daemon)")

    terminal.keys("/", "depth4", "Enter")
    screen = terminal.wait(lambda s: "depth2" not in s and "depth4" in s, "the name filter")
    assert "filter depth4" in screen
    terminal.keys("Escape")
    terminal.wait(lambda s: "depth2" in s, "the filter cleared")

    terminal.keys("7")
    terminal.wait(lambda s: "2 open alerts" in s and "nan" in s, "the alerts screen")
    terminal.keys("4")
    terminal.wait(lambda s: "79.00 *" in s, "the leaderboard with the best cell starred")
    terminal.keys("1")
    terminal.wait(lambda s: "progress" in s, "back on the runs screen")

    terminal.keys("q")
    terminal.wait(lambda s: "CONSOLE-EXITED" in s, "the console to quit")
    run = Store(filled_ws.store_path).get_run(run_id)
    assert run["status"] == "running"
    os.kill(run["pid"], 0)  # the job outlived the console

    terminal.close()
    terminal.start()
    screen = terminal.wait(lambda s: run_id in s and "running" in s, "the job live again after reopening")

    def step():
        return (Store(filled_ws.store_path).get_run(run_id).get("summary") or {}).get("step", 0)

    first = step()
    wait_for(lambda: step() > first, what="the job to keep logging")
