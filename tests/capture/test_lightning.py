"""Lightning's CSVLogger, TensorBoardLogger and WandbLogger, end to end: a real Lightning run per
logger as a sweep job, read back by fertui (the CSV log, the TensorBoard files, fertui.wandb
standing in for W&B), with the values the job itself last logged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.wandb import __version__
from fertui.workspace import open_workspace
from tests.waiting import wait_for

SCRIPTS = Path(__file__).parent / "scripts"
SHIMS = Path(__file__).resolve().parents[2] / "fertui" / "shims"


def test_the_shim_is_an_installed_wandb_of_the_version_fertui_wandb_follows():
    code = (
        "import importlib.metadata as m, wandb, fertui.wandb as impl; "
        "from wandb.sdk.lib import RunDisabled; from wandb.wandb_run import Run; "
        "assert wandb is impl and Run is impl.Run; print(m.version('wandb'))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SHIMS), str(SHIMS.parents[1])])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == __version__


@pytest.mark.slow
def test_csv_tensorboard_and_wandb_loggers_reach_the_board(tmp_path):
    pytest.importorskip("pytorch_lightning")
    pytest.importorskip("tensorboard")
    assert version("torch")  # the Lightning in this venv came without a second torch (see pyproject)
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 3\ncancel_grace_s = 3\n")
    config = tmp_path / "lit.toml"
    config.write_text(
        textwrap.dedent(f"""
        [run]
        name = "lit_{{params.logger}}"
        [job]
        command = ["{sys.executable}", "lightning_job.py", "--logger={{params.logger}}"]
        cwd = "{SCRIPTS}"
        wandb = "fertui"
        metrics_csv = "csv/**/metrics.csv"
        [sweep]
        name = "lit"
        [sweep.axes]
        "params.logger" = ["csv", "tensorboard", "wandb"]
        """)
    )
    try:
        result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", str(config)])
        assert result.exit_code == 0, result.output
        store = Store(tmp_path / "runs" / "fertui.json")
        ensure_daemon(open_workspace(tmp_path))

        def ended():
            runs = store.sweep_runs("lit")
            return runs if all(r["status"] not in ("queued", "running") for r in runs) else None

        runs = wait_for(ended, 280, "the three Lightning runs to end")
        for run in runs:
            run_dir = tmp_path / "runs" / run["id"]
            assert run["status"] == "done" and not run.get("no_metric"), (
                run,
                (run_dir / "stdout.log").read_text()[-3000:],
            )
            truth = json.loads((run_dir / "truth.json").read_text())
            last = run["summary"]["last"]
            assert last["val/acc"] == pytest.approx(truth["val/acc"], rel=1e-5), run["params"]
            assert last["train/loss"] == pytest.approx(truth["train/loss"], rel=1e-5), run["params"]
    finally:
        stop_daemon(open_workspace(tmp_path), timeout_s=10)
