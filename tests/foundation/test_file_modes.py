"""Shared lab servers: files follow the user's umask, and nothing is world-writable, even under umask 000."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

FERTUI = f"{sys.executable} -m fertui.cli.main"


def run_as_user(root, umask: str) -> None:
    config = root / "s.toml"
    config.write_text(
        textwrap.dedent("""
        [job]
        command = ["python", "-c", "print('val_acc: 0.5')", "{params.lr}"]
        [sweep]
        name = "s"
        [sweep.axes]
        "params.lr" = [0.1, 0.2]
        """)
    )
    script = (
        f"umask {umask} && cd {root} && {FERTUI} add s.toml && {FERTUI} run && "
        f"{FERTUI} export s --out {root}/export && {FERTUI} report --out {root}/export/report.html"
    )
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def everything(root):
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                yield path, os.lstat(path).st_mode


def test_umask_002_makes_results_group_readable_and_keeps_a_chmod(tmp_path):
    run_as_user(tmp_path, "002")
    for rel in (
        "runs/fertui.json",
        "runs/00001/config.toml",
        "runs/00001/exit.json",
        "export/s_board.md",
        "export/s.png",
        "export/report.html",
    ):
        assert stat.S_IMODE(os.stat(tmp_path / rel).st_mode) & 0o060 == 0o060, rel
    assert stat.S_IMODE(os.stat(tmp_path / "runs" / "00001" / "env.json").st_mode) == 0o600  # may hold tokens
    store = tmp_path / "runs" / "fertui.json"
    os.chmod(store, 0o640)
    subprocess.run(
        ["sh", "-c", f"umask 002 && {FERTUI} --workspace {tmp_path} add -- python -c pass"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o640  # a write does not undo the user's chmod


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_nothing_is_world_writable_even_under_umask_000(tmp_path):
    run_as_user(tmp_path, "000")
    writable = [p for p, mode in everything(tmp_path) if mode & stat.S_IWOTH]
    assert writable == []
