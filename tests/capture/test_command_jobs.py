"""Command jobs behave like the shell command they are: placeholders, cwd, the queueing shell's
environment, a record of only what applies, and a sweep run that never reported its objective."""

from __future__ import annotations

import json
import os
import signal
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.events import read_all
from fertui.scheduler.daemon import daemon_status, ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import told_trials, wait_for

PRINT_ARGS = "import sys, json; print(json.dumps(sys.argv[1:]))"


@pytest.fixture
def root(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "fertui.toml").write_text("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 3\n")
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)  # `fertui add` is called from the user's project folder
    yield ws
    stop_daemon(open_workspace(ws), timeout_s=10)


def cli(root: Path, *args: str, code: int = 0):
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == code, result.output
    return result.output


def store(root: Path) -> Store:
    return Store(root / "runs" / "fertui.json")


def finished(root: Path, count: int) -> list[dict]:
    def settled():
        runs = store(root).runs()
        return runs if len(runs) == count and all(r["status"] not in ("queued", "running") for r in runs) else None

    ensure_daemon(open_workspace(root))
    return wait_for(settled, 60, f"{count} runs to end")


def stdout_of(root: Path, run_id: str) -> str:
    return (root / "runs" / run_id / "stdout.log").read_text()


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_placeholders_are_rendered_per_run_and_double_braces_are_literal(root):
    config = write(
        root / "ph.toml",
        f"""
        [run]
        name = "probe_lr{{params.lr}}"
        [job]
        command = ["python", "-c", '{PRINT_ARGS}', "{{run.name}}", "{{run.id}}", "{{run.dir}}/out",
                   "${{{{HOME}}}}", "{{{{x}}}}", "{{params.lr}}"]
        [sweep]
        name = "ph"
        [sweep.axes]
        "params.lr" = [0.1, 0.2]
        """,
    )
    cli(root, "add", str(config))
    runs = {r["id"]: r for r in finished(root, 2)}
    for run_id, run in runs.items():
        argv = json.loads(stdout_of(root, run_id).splitlines()[0])
        lr = run["params"]["params.lr"]
        assert argv == [f"probe_lr{lr}", run_id, str(root / "runs" / run_id) + "/out", "${HOME}", "{x}", str(lr)]


def test_unknown_placeholder_is_one_line_and_nothing_is_queued(root):
    out = cli(root, "add", "--", "python", "-c", "print('{nope}')", code=2)
    assert "placeholder {nope} names no config key" in out and len(out.strip().splitlines()) == 1
    assert store(root).runs() == []


def test_job_runs_where_fertui_add_was_called_or_in_its_cwd(root, tmp_path):
    cli(root, "add", "--", "python", "-c", "import os; print(os.getcwd())")
    (tmp_path / "project" / "sub").mkdir()
    cli(root, "add", "--set", "job.cwd=sub", "--", "python", "-c", "import os; print(os.getcwd())")
    first, second = sorted(finished(root, 2), key=lambda r: r["id"])
    assert stdout_of(root, first["id"]).strip() == str(tmp_path / "project")
    assert stdout_of(root, second["id"]).strip() == str(tmp_path / "project" / "sub")
    assert second["config"]["job"]["cwd"] == str(tmp_path / "project" / "sub")


def test_missing_cwd_is_refused_at_queue_time(root):
    out = cli(root, "add", "--set", "job.cwd=/no/such/dir", "--", "python", "x.py", code=2)
    assert "job.cwd: expected an existing directory" in out and store(root).runs() == []


def test_job_gets_the_queueing_shells_path_not_the_daemons(root, tmp_path, monkeypatch):
    ensure_daemon(open_workspace(root))  # started from the old environment
    bin_dir = tmp_path / "conda" / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "python"
    fake.write_text(f'#!/bin/sh\necho conda-python\nexec {os.sys.executable} "$@"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MY_PROJECT_TOKEN", "s3cret-value")
    cli(
        root,
        "add",
        "--",
        "python",
        "-c",
        "import os; print(os.environ['MY_PROJECT_TOKEN'], os.environ['WANDB_DIR'], os.environ['TENSORBOARD_LOGDIR'])",
    )
    (run,) = finished(root, 1)
    lines = stdout_of(root, run["id"]).splitlines()
    run_dir = root / "runs" / run["id"]
    assert lines == ["conda-python", f"s3cret-value {run_dir} {run_dir / 'tensorboard'}"]
    assert "s3cret-value" not in json.dumps(store(root).get_run(run["id"]))  # the env stays out of the store
    assert (run_dir / "env.json").stat().st_mode & 0o077 == 0


def test_a_command_record_holds_only_what_applies_to_it(root):
    cli(root, "add", "--set", "optim.lr=1e-3", "--", "python", "train.py", "--lr", "{optim.lr}")
    (run,) = store(root).runs()
    assert sorted(run["config"]) == ["job", "optim", "run"]
    assert run["config"]["optim"] == {"lr": 1e-3} and run["command"][-1] == "0.001"


def test_sweep_run_without_its_objective_is_flagged_not_completed(root):
    config = write(
        root / "quiet.toml",
        """
        [job]
        command = ["python", "-c", "print('training... done')", "{params.lr}"]
        [sweep]
        name = "quiet"
        [sweep.axes]
        "params.lr" = [0.1, 0.2]
        """,
    )
    cli(root, "add", str(config))
    runs = finished(root, 2)
    assert all(r["status"] == "done" and r["no_metric"] == "val/acc" for r in runs)
    assert "done (no val/acc)" in cli(root, "ls")
    alerts = [a for a in store(root).alerts() if a["kind"] == "no_metric"]
    assert len(alerts) == 1 and "val/acc" in alerts[0]["message"] and "output_scalars" in alerts[0]["message"]
    assert "finished, no metric" in cli(root, "board", "quiet", "--rows", "params.lr")

    assert {t.state.name for t in told_trials(root / "runs" / "optuna.journal", "quiet")} == {"FAIL"}

    # newer alerts push that one into the archive; a third quiet run still does not raise it again
    for i in range(400):
        store(root).add_alert(None, "test", f"filler {i}")
    assert not [a for a in store(root).alerts() if a["kind"] == "no_metric"]
    cli(root, "add", str(write(root / "quiet3.toml", config.read_text().replace("[0.1, 0.2]", "[0.3]"))))
    assert len(finished(root, 3)) == 3
    every = store(root).alerts() + store(root).archived_alerts()
    assert [a["sweep"] for a in every if a["kind"] == "no_metric"] == ["quiet"]


@pytest.mark.slow
def test_a_killed_daemon_resumes_capture_without_doubling_or_losing_lines(root):
    code = (
        "import time\nfor i in range(40):\n    print(f'step: {{i}} loss: {{1 / (i + 1):.4f}}', flush=True)\n"
        "    time.sleep(0.05)\n"
    )
    cli(root, "add", "--", "python", "-c", code)
    ensure_daemon(open_workspace(root))
    captured = root / "runs" / "00001" / "captured.jsonl"
    wait_for(lambda: len(read_all(captured)) >= 5, 30, "the first captured lines")
    os.kill(daemon_status(open_workspace(root))["pid"], signal.SIGKILL)
    wait_for(lambda: daemon_status(open_workspace(root)) is None, 30, "the daemon to die")
    (run,) = finished(root, 1)  # a new daemon adopts the job and carries on
    steps = [e["step"] for e in read_all(captured) if e["type"] == "log"]
    assert steps == list(range(40)), steps
    assert run["summary"]["last"]["loss"] == pytest.approx(1 / 40, abs=1e-4)
