"""`export`, `export --html` and `report` stream a run's event file: a 1 GB events.jsonl is read
within 300 MB of memory (it took 2.18 GB for a 2 GB file when read whole), and its loss curve is
still drawn."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app

pytestmark = pytest.mark.slow

MAX_RSS_MB = 300
FILE_BYTES = 1 << 30


def peak_rss_mb(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run ARGV in a fresh helper process and return the peak RSS of ARGV alone (its only child)."""
    helper = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps([resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode,"
        " done.stdout, done.stderr]))\n"
    )
    out = subprocess.run([sys.executable, "-c", helper, *argv], capture_output=True, text=True, check=True, timeout=900)
    kb, code, stdout, stderr = json.loads(out.stdout)
    return kb / 1024, subprocess.CompletedProcess(argv, code, stdout, stderr)


def test_a_1_gb_event_file_is_exported_and_reported_within_300_mb(tmp_path):
    (tmp_path / "sweep.toml").write_text(
        textwrap.dedent("""
        [run]
        name = "big{params.x}"
        [job]
        command = ["python", "-c", "print('val/acc: 0.5')"]
        [sweep]
        name = "big"
        [sweep.axes]
        "params.x" = [1]
        """)
    )
    runner = CliRunner()
    assert runner.invoke(app, ["--workspace", str(tmp_path), "add", str(tmp_path / "sweep.toml")]).exit_code == 0
    assert runner.invoke(app, ["--workspace", str(tmp_path), "run"]).exit_code == 0
    events = tmp_path / "runs" / "00001" / "events.jsonl"
    pad = "x" * 100_000  # big lines: a gigabyte in ~10,000 events, so the test parses for seconds, not minutes
    with open(events, "a") as fh:
        step = 0
        while fh.tell() < FILE_BYTES:
            step += 1
            fh.write(json.dumps({"type": "log", "step": step, "metrics": {"train/loss": 1 / step}, "note": pad}) + "\n")

    base = [sys.executable, "-m", "fertui.cli.main", "--workspace", str(tmp_path)]
    for args in (["export", "big"], ["export", "big", "--html"], ["report", "--out", str(tmp_path / "r.html")]):
        rss, done = peak_rss_mb([*base, *args])
        assert done.returncode == 0, done.stderr
        assert rss < MAX_RSS_MB, f"{args}: {rss:.0f} MB"
    assert (tmp_path / "runs" / "exports" / "big" / "big_loss.png").exists()
