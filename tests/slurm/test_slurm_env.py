"""A Slurm job gets the same run folder and FERTUI_* variables as a local one, and nothing of
the submitting shell's GPU choice or Slurm session."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import Store
from fertui.workspace import open_workspace

from .slurmkit import make_workspace

pytestmark = pytest.mark.slurm

JOB = """
import json, os
keys = ("FERTUI_RUN_DIR", "FERTUI_RUN_ID", "FERTUI_PARAMS", "CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID", "CUDA_DEVICE_ORDER")
print("ENV " + json.dumps({k: os.environ.get(k) for k in keys}), flush=True)
print("CWD " + os.getcwd(), flush=True)
"""


def test_job_environment_matches_the_local_contract(slurm_conf, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "7")  # the login shell's choice must not leak
    monkeypatch.setenv("SLURM_JOB_ID", "999999")  # as inside an salloc session
    root = make_workspace(tmp_path / "ws", slurm_conf)
    queued_from = tmp_path / "project"
    queued_from.mkdir()
    monkeypatch.chdir(queued_from)
    result = CliRunner().invoke(
        app, ["--workspace", str(root), "run", "--set", "optim.lr=0.002", "--", "python", "-c", JOB]
    )
    assert result.exit_code == 0, result.output
    ws = open_workspace(root)
    (run,) = Store(ws.store_path).runs()
    log = (ws.run_dir(run["id"]) / "stdout.log").read_text()
    env = json.loads(next(line[4:] for line in log.splitlines() if line.startswith("ENV ")))
    assert env["FERTUI_RUN_DIR"] == str(ws.run_dir(run["id"])) and env["FERTUI_RUN_ID"] == run["id"]
    assert json.loads(env["FERTUI_PARAMS"])["optim.lr"] == 0.002
    assert env["SLURM_JOB_ID"] == run["slurm_job"]
    assert env["CUDA_VISIBLE_DEVICES"] != "7" and env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert f"CWD {queued_from}" in log  # a command job starts where it was queued, as local ones do
