"""Code fertui did not write, run unchanged as sweep jobs under the real daemon.

Each case is a two-cell sweep over ``params.lr`` of one script in tests/capture/scripts: the
lr = 0.1 run reports val/acc 71, 72, 73 (seen live, before its gate opens), the lr = 0.3 run
reports a NaN loss in its second epoch and hangs, so only the NaN stop can end it. Afterwards
the board, the run summaries and the Optuna journal must all hold the right values.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import told_trials, wait_for

pytestmark = pytest.mark.slow
SCRIPTS = Path(__file__).parent / "scripts"
GATE = "--gate={run.dir}/go"

CASES = {
    "default-printed": ('["python", "printer.py", "--style=default"]', ""),
    "custom-regex": (
        '["python", "printer.py", "--style=custom"]',
        "output_scalars = ['\\[ep (?P<epoch>\\d+)\\] top1 = (?P<val_acc>[\\d.]+) \\| loss "
        "(?P<train_loss>[\\d.]+|nan)']\n"
        'metrics_map = {val_acc = "val/acc", train_loss = "train/loss"}',
    ),
    "timm": ('["python", "timm_like.py", "--out={run.dir}/output"]', 'output_scalars = "timm"'),
    "csv": (
        '["python", "csv_writer.py", "--out={run.dir}"]',
        'metrics_csv = "logs/metrics.csv"\nmetrics_map = {val_acc = "val/acc", train_loss = "train/loss"}',
    ),
    "tensorboard": ('["python", "tb_writer.py", "--out={run.dir}/tb"]', ""),
    "wandb-import-fertui": ('["python", "wandb_fertui.py"]', ""),
    "wandb-unchanged": ('["python", "wandb_plain.py"]', 'wandb = "fertui"'),
}


def sweep_config(case: str) -> str:
    command, job_extra = CASES[case]
    command = command[:-1] + f', "--lr={{params.lr}}", "{GATE}"]'
    return (
        textwrap.dedent(f"""
        [run]
        name = "own_lr{{params.lr}}"
        [job]
        command = {command}
        cwd = "{SCRIPTS}"
        """)
        + job_extra
        + textwrap.dedent("""
        [sweep]
        name = "own"
        [sweep.axes]
        "params.lr" = [0.1, 0.3]
        """)
    )


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 3\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def cli(root: Path, *args: str):
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("case", list(CASES))
def test_unmodified_script_reports_live_stops_on_nan_and_fills_board_and_study(workspace, case):
    if case == "tensorboard":
        pytest.importorskip("tensorboard")
        pytest.importorskip("torch")
    config = workspace / "own.toml"
    config.write_text(sweep_config(case))
    cli(workspace, "add", str(config))
    store = Store(workspace / "runs" / "fertui.json")
    runs = {r["params"]["params.lr"]: r["id"] for r in store.runs()}
    good, bad = runs[0.1], runs[0.3]
    ensure_daemon(open_workspace(workspace))

    live = wait_for(
        lambda: (
            lambda r: (
                r
                if r["status"] == "running" and (r.get("summary") or {}).get("best", {}).get("val/acc") is not None
                else None
            )
        )(store.get_run(good)),
        60,
        f"{case}: a live val/acc while the job waits at its gate",
    )
    assert live["summary"]["best"]["val/acc"] == pytest.approx(71)
    for run_id in (good, bad):
        (workspace / "runs" / run_id / "go").touch()

    def ended():
        docs = [store.get_run(good), store.get_run(bad)]
        return docs if all(d["status"] not in ("queued", "running") for d in docs) else None

    done, nan = wait_for(ended, 60, f"{case}: both runs to end")
    log = (workspace / "runs" / bad / "stdout.log").read_text()
    assert done["status"] == "done", (done, (workspace / "runs" / good / "stdout.log").read_text())
    assert done["summary"]["best"]["val/acc"] == pytest.approx(73)
    assert nan["status"] == "nan" and "survived" not in log, log
    assert any(a["kind"] == "nan" and a["run"] == bad for a in store.alerts())

    board = json.loads(cli(workspace, "board", "own", "--rows", "params.lr", "--format", "json"))
    cells = {c["params.lr"]: c for c in board["cells"]}
    assert cells[0.1]["mean"] == pytest.approx(73) and cells[0.1]["best"]
    assert cells[0.3]["states"] == {"nan": 1}

    trials = {t.user_attrs["fertui_run"]: t for t in told_trials(workspace / "runs" / "optuna.journal", "own")}
    assert trials[good].state.name == "COMPLETE" and trials[good].value == pytest.approx(73)
    assert trials[bad].state.name in ("FAIL", "PRUNED")
    if case.startswith("wandb"):  # wandb.config became the run's params, next to the sweep's cell
        assert store.get_run(good)["params"]["params.optim.name"] == "adamw"
    if case == "tensorboard":
        assert not math.isnan(done["summary"]["last"]["train/loss"])
