"""A torn line in runs/optuna.journal (a writer killed mid-append, the next append glued to it):
`suggest` and the daemon say so in one line instead of a JSONDecodeError traceback, and
`fertui store repair-journal` cuts the journal there; the daemon's start-up sync then gives every
run its trial again, each with its own run's value."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.workspace import open_workspace
from tests.waiting import wait_for

pytestmark = pytest.mark.slow


class Done:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.exit_code, self.output = proc.returncode, proc.stdout + proc.stderr


def cli(root, *args) -> Done:
    """fertui in its own process: a fresh one opens (and checks) the journal, as a user's does."""
    return Done(
        subprocess.run(
            [sys.executable, "-m", "fertui.cli.main", "--workspace", str(root), *args],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    )


def study_values(root) -> dict[str, float]:
    """{run id: the value its trial was told}, read by Optuna itself in a fresh storage."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(root / "runs" / "optuna.journal")))
    study = optuna.load_study(study_name="tj", storage=storage)
    return {t.user_attrs.get("fertui_run"): t.value for t in study.trials if t.state.is_finished()}


def test_a_torn_journal_line_is_one_line_then_repaired_and_resynced(tmp_path):
    (tmp_path / "sweep.toml").write_text(
        textwrap.dedent("""
        [run]
        name = "x{params.x}"
        [job]
        command = ["python", "-c", "print('val/acc: {params.x}')"]
        [sweep]
        name = "tj"
        [sweep.axes]
        "params.x" = [1, 2, 3]
        """)
    )
    assert cli(tmp_path, "add", str(tmp_path / "sweep.toml")).exit_code == 0
    assert cli(tmp_path, "run").exit_code == 0
    assert study_values(tmp_path) == {"00001": 1.0, "00002": 2.0, "00003": 3.0}
    journal = tmp_path / "runs" / "optuna.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[2] = lines[2][: len(lines[2]) // 2] + lines[3]  # half a line, then the next append on it
    del lines[3]
    journal.write_bytes(b"\n".join(lines))

    result = cli(tmp_path, "suggest", "tj")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "line 3 is not valid JSON" in result.output and "repair-journal" in result.output
    ws = open_workspace(tmp_path)
    ensure_daemon(ws)  # its start-up sync meets the torn line: one warning, no traceback
    log = ws.runs_dir / "daemon.log"
    wait_for(lambda: "repair-journal" in log.read_text(), timeout=30, what="the daemon to say so")
    assert "Traceback" not in log.read_text()
    assert cli(tmp_path, "store", "repair-journal").exit_code == 2  # not while a scheduler holds it
    stop_daemon(ws, timeout_s=10)

    result = cli(tmp_path, "store", "repair-journal")
    assert result.exit_code == 0 and "torn line 3" in result.output, result.output
    assert list(journal.parent.glob("optuna.journal.damaged-*"))
    ensure_daemon(ws)
    wait_for(
        lambda: study_values(tmp_path) == {"00001": 1.0, "00002": 2.0, "00003": 3.0},
        timeout=60,
        what="every run's trial told its own value again",
    )
    stop_daemon(ws, timeout_s=10)
    assert cli(tmp_path, "suggest", "tj").exit_code == 0
