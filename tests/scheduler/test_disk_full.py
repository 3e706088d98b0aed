"""A full disk (a 2 MB tmpfs workspace, where root can mount one): one-line errors, nothing
half-made, and a run whose exit record could not be written still ends with its real status,
not lost and requeued (which would rerun the job that filled the disk); the scheduler waits for
space and says so once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.scheduler.wrapper import EXIT_RETRY_S
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip() or 'not root'})")
    yield mount
    stop_daemon(open_workspace(mount), timeout_s=10)
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def store_status(root: Path) -> str:
    return Store(root / "runs" / "fertui.json").get_run("00001")["status"]


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_add_on_a_full_disk_is_one_line_and_leaves_nothing(small_disk):
    runner = CliRunner()
    assert runner.invoke(app, ["--workspace", str(small_disk), "add", "--", "python", "-c", "pass"]).exit_code == 0
    before = (small_disk / "runs" / "fertui.json").read_bytes()
    fill(small_disk)
    result = runner.invoke(app, ["--workspace", str(small_disk), "add", "--", "python", "-c", "pass"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "no space left" in result.output and "MB free" in result.output
    assert sorted(p.name for p in (small_disk / "runs").iterdir() if p.name.isdigit()) == ["00001"]
    assert (small_disk / "runs" / "fertui.json").read_bytes() == before


def test_a_job_that_fills_the_disk_ends_done_once_space_returns_and_is_not_rerun(small_disk):
    code = (
        "import os\nd = os.environ['FERTUI_RUN_DIR']\nopen(os.path.join(d, 'busy'), 'w').close()\n"
        "with open(os.path.join(d, 'filler'), 'wb', buffering=0) as fh:\n"
        "    for size in (65536, 4096, 1):\n        try:\n            while True:\n"
        "                fh.write(b'x' * size)\n        except OSError:\n            pass\nos.unlink(os.path.join(d, 'busy'))\n"
    )  # a log line could not land
    result = CliRunner().invoke(app, ["--workspace", str(small_disk), "add", "--", sys.executable, "-c", code])
    assert result.exit_code == 0, result.output
    ensure_daemon(open_workspace(small_disk))
    filler = small_disk / "runs" / "00001" / "filler"
    wait_for(lambda: filler.exists() and os.statvfs(small_disk).f_bavail == 0, 60, "the disk to fill")
    wait_for(lambda: not (small_disk / "runs" / "00001" / "busy").exists(), 60, "the job to end")
    # A second name for the backup, so rotating it frees no space: every store write now fails.
    os.link(small_disk / "runs" / "fertui.json.bak", small_disk / "runs" / "held.bak")
    # Longer than the wrapper retries exit.json: it gives up and exits with the job's code, which the
    # scheduler reaps; recording it meets the full disk, and the scheduler waits for space.
    time.sleep(EXIT_RETRY_S + 3)
    assert store_status(small_disk) == "running"  # nothing could be recorded meanwhile
    filler.unlink()  # space is back
    (small_disk / "runs" / "held.bak").unlink()
    store = Store(small_disk / "runs" / "fertui.json")
    run = wait_for(
        lambda: (lambda r: r if r["status"] not in ("queued", "running") else None)(store.get_run("00001")),
        60,
        "the run to end",
    )
    assert run["status"] == "done", (run.get("error"), run.get("exit_code"))
    assert len(store.runs()) == 1  # not requeued
    assert not list((small_disk / "runs" / "00001").glob("*.tmp"))
    assert not (small_disk / "runs" / "00001" / "exit.json").exists()  # the status came from the reaped wrapper
    alerts = [a for a in store.alerts() if a["kind"] == "disk_full"]
    assert len(alerts) == 1 and "disk was full" in alerts[0]["message"]
