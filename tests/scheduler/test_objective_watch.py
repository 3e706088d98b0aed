"""A command job that runs on without its objective raises one alert while it still runs: after
its first epoch, or after `[job] objective_alert_after` minutes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.scheduler.objective_watch import missing_objective
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for

# Two epochs of training lines, each closed by its accuracy printed as "acc", then a wait at a gate.
TWO_EPOCHS = """
    import os, sys, time
    for epoch in (1, 2):
        for i in range(3):
            print(f"epoch: {epoch} step: {(epoch - 1) * 3 + i} loss: {1 / (epoch + i):.3f}", flush=True)
        print(f"epoch: {epoch} acc: {0.5 + epoch / 10}", flush=True)
    gate = os.path.join(os.environ["FERTUI_RUN_DIR"], "go")
    deadline = time.time() + 60
    while not os.path.exists(gate) and time.time() < deadline:
        time.sleep(0.05)
    """

# No epochs at all: a loss now and then, until the gate opens.
NO_EPOCHS = """
    import os, time
    gate = os.path.join(os.environ["FERTUI_RUN_DIR"], "go")
    deadline = time.time() + 60
    while not os.path.exists(gate) and time.time() < deadline:
        print("loss: 0.5", flush=True)
        time.sleep(0.2)
    """


@pytest.fixture
def root(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 3\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def queue(root: Path, name: str, code: str, job: str = "", sweep: bool = True) -> None:
    script = root / f"{name}.py"
    script.write_text(textwrap.dedent(code))
    text = f'[job]\ncommand = ["python", "{script}", "{{params.lr}}"]\n{job}\n[params]\nlr = 0.1\n'
    if sweep:
        text += f'[sweep]\nname = "{name}"\nobjective = "val/acc"\n[sweep.axes]\n"params.lr" = [0.1, 0.2]\n'
    (root / f"{name}.toml").write_text(text)
    result = CliRunner().invoke(app, ["--workspace", str(root), "add", str(root / f"{name}.toml")])
    assert result.exit_code == 0, result.output


def no_metric_alerts(store: Store) -> list[dict]:
    return [a for a in store.alerts() if a["kind"] == "no_metric"]


def open_gates_and_wait(root: Path, store: Store) -> list[dict]:
    for run in store.runs():
        (root / "runs" / run["id"]).mkdir(exist_ok=True)
        (root / "runs" / run["id"] / "go").touch()

    def settled():
        runs = store.runs()
        return runs if all(r["status"] not in ("queued", "running") for r in runs) else None

    return wait_for(settled, 60, "every run to end")


@pytest.mark.slow
def test_a_sweep_run_without_its_objective_after_its_first_epoch_raises_one_alert_while_running(root):
    queue(root, "acc", TWO_EPOCHS)
    ensure_daemon(open_workspace(root))
    store = Store(root / "runs" / "fertui.json")
    (alert,) = wait_for(lambda: no_metric_alerts(store), 60, "the missing objective's alert")
    assert store.get_run(alert["run"])["status"] == "running"
    message = alert["message"]
    assert "no val/acc after its first epoch" in message and alert["sweep"] == "acc"
    assert "captured instead: acc, loss" in message and "output_scalars (now 'auto')" in message
    runs = open_gates_and_wait(root, store)
    assert {r["status"] for r in runs} == {"done"} and all(r["no_metric"] == "val/acc" for r in runs)
    assert len(no_metric_alerts(store)) == 1  # one for the sweep: not one per run, not again at the end


@pytest.mark.slow
def test_a_job_without_epochs_is_alerted_after_objective_alert_after_minutes(root):
    queue(root, "plain", NO_EPOCHS, job="objective_alert_after = 0.02", sweep=False)  # 1.2 s
    ensure_daemon(open_workspace(root))
    store = Store(root / "runs" / "fertui.json")
    (alert,) = wait_for(lambda: no_metric_alerts(store), 60, "the missing objective's alert")
    assert store.get_run(alert["run"])["status"] == "running"
    assert "no val/acc after 0.02 minutes (captured instead: loss)" in alert["message"]
    open_gates_and_wait(root, store)
    assert len(no_metric_alerts(store)) == 1


def test_the_watch_waits_for_the_first_epoch_or_the_time_and_names_the_closest_metrics_first():
    def check(captured, first=None, latest=None, running_s=0.0, after_s=1800.0, asked_for=True):
        return missing_objective(
            "val/acc",
            captured,
            first_epoch=first,
            latest_epoch=latest,
            running_s=running_s,
            alert_after_s=after_s,
            asked_for=asked_for,
        )

    assert check({"loss", "acc"}, first=1, latest=1.9) is None  # still in its first epoch
    assert check({"loss", "val/acc"}, first=1, latest=5) is None  # it came
    late = check({"loss", "lr", "val_acc"}, first=0, latest=1)
    assert late.after == "its first epoch" and late.captured == ("val_acc", "loss", "lr")
    assert check({"loss"}, running_s=1799) is None and check({"loss"}, running_s=1800).after == "30 minutes"
    assert check(set(), running_s=3600, asked_for=False) is None  # reports nothing and asked for nothing
    assert check(set(), running_s=3600).captured == ()  # a sweep's run that captured nothing at all
    assert check({"loss"}, running_s=10**6, after_s=0) is None  # the time rule is off
