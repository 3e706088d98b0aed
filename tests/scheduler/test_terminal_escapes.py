"""A job's control sequences (window title, clear screen, bell) never reach the user's terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.terminal_text import printable

HOSTILE = (
    "import sys\n"
    "print('\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x1b[0m [ep 1] top1 = 3 [/]\\x07', flush=True)\n"
    "sys.exit(1)"
)


def test_printable_drops_sequences_and_keeps_colour_only_when_asked():
    text = "a\x1b]0;title\x07b\x1b[2Jc\x1b[1;31md\x1b[0m\x07e\x1bPq#0\x1b\\f\x9b2Jg\r\nh\ri"
    assert printable(text) == "abcdef" + "g\nh\ni"
    assert printable(text, keep_colour=True) == "abc\x1b[1;31md\x1b[0mef" + "g\nh\ni"


def test_show_run_and_logs_never_print_a_jobs_escapes(jobs):
    run_id = jobs.add(HOSTILE)
    ran = CliRunner().invoke(app, ["--workspace", str(jobs.root), "run"])
    assert jobs.status(run_id) == "failed"
    shown = CliRunner().invoke(app, ["--workspace", str(jobs.root), "show", run_id]).output
    for output in (ran.output, shown):
        assert "\x1b" not in output and "\x07" not in output
    assert "[ep 1] top1 = 3 [/]" in shown  # job output is text, not Rich markup

    leader, follower = pty.openpty()  # `fertui logs` on a real terminal
    proc = subprocess.run(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(jobs.root), "logs", run_id],
        stdout=follower,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    os.close(follower)
    screen = os.read(leader, 65536).decode()
    os.close(leader)
    assert proc.returncode == 0, proc.stderr
    assert "pwned" not in screen and "\x1b[2J" not in screen and "\x07" not in screen
    assert "\x1b[31mred\x1b[0m" in screen  # colours are kept on a terminal
    piped = subprocess.run(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(jobs.root), "logs", run_id],
        capture_output=True,
        timeout=60,
    ).stdout
    assert b"\x1b]0;pwned\x07" in piped  # into a file or pipe, the log is copied byte for byte
