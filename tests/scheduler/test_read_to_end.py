"""A run is closed only after its whole output is read: a burst bigger than one read just before
the exit, output written while the daemon was down, and a CSV log written as the job exits all
reach the summary, the board and the Optuna trial with their true last value."""

from __future__ import annotations

import json
import os
import signal
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import daemon_status, ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import told_trials, wait_for

# One line of padding makes 100,000 printed lines about 10 MB: more than two capped reads of stdout
# (4 MB) and, once captured as events, more than one capped read of an event file (8 MB).
BURST = """
    import sys
    pad = "x" * 70
    sys.stdout.write("val_acc: 0.5\\n")
    sys.stdout.write("".join(f"step: {i}  loss: {1 / (i + 1):.6f}  note: {pad}\\n" for i in range(100_000)))
    sys.stdout.write("val_acc: 0.91\\n")
    """

# Waits for its gate, then reports 100 epochs of 1,000 events each through fertui.report (about
# 11 MB of events.jsonl) and exits: val/acc climbs to 75.0 at epoch 100.
REPORTER = """
    import os, sys, time
    from fertui import report
    gate = os.path.join(os.environ["FERTUI_RUN_DIR"], "go")
    while not os.path.exists(gate):
        time.sleep(0.05)
    report.start(epochs=100, steps_per_epoch=1000)
    pad = "x" * 40
    for epoch in range(1, 101):
        for i in range(1000):
            report.log({"train/loss": 1 / epoch, "train/lr": 1e-3, "train/note_len": len(pad)},
                       step=(epoch - 1) * 1000 + i)
        report.log({"val/acc": 50 + epoch / 4}, step=epoch * 1000, epoch=epoch)
    """

# Prints nothing it could capture, then writes its metrics CSV in its last moment and exits.
LATE_CSV = """
    import os, time
    time.sleep(3)  # past the capture's first look for CSV files
    folder = os.path.join(os.environ["FERTUI_RUN_DIR"], "logs")
    os.makedirs(folder)
    with open(os.path.join(folder, "metrics.csv"), "w") as fh:
        fh.write("epoch,step,val_acc\\n0,10,0.8\\n1,20,0.912\\n")
    """


@pytest.fixture
def root(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 1\ncancel_grace_s = 3\n")
    yield tmp_path
    status = daemon_status(open_workspace(tmp_path))
    if status:
        stop_daemon(open_workspace(tmp_path), timeout_s=10)


def cli(root: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def sweep_of(root: Path, name: str, code: str) -> Path:
    script = root / f"{name}.py"
    script.write_text(textwrap.dedent(code))
    config = root / f"{name}.toml"
    config.write_text(
        textwrap.dedent(f"""
        [job]
        command = ["python", "{script}", "{{params.lr}}"]
        [sweep]
        name = "{name}"
        objective = "val/acc"
        [sweep.axes]
        "params.lr" = [0.1]
        """)
    )
    return config


def ended(root: Path, timeout: float = 120) -> dict:
    store = Store(root / "runs" / "fertui.json")
    return wait_for(
        lambda: next((r for r in store.runs() if r["status"] not in ("queued", "running")), None),
        timeout,
        "the run to end",
    )


def assert_everywhere(root: Path, sweep: str, run: dict, value: float) -> None:
    """VALUE is the run's last and best val/acc in the store, its cell on the board and its trial."""
    assert run["status"] == "done", run
    assert run["summary"]["last"]["val/acc"] == pytest.approx(value)
    assert run["summary"]["best"]["val/acc"] == pytest.approx(value)
    board = json.loads(cli(root, "board", sweep, "--rows", "params.lr", "--format", "json"))
    assert [c["mean"] for c in board["cells"]] == [pytest.approx(value)]
    (trial,) = told_trials(root / "runs" / "optuna.journal", sweep)
    assert trial.state.name == "COMPLETE" and trial.value == pytest.approx(value)


@pytest.mark.slow
def test_a_burst_of_100000_lines_before_the_exit_is_read_to_its_last_line(root):
    cli(root, "add", str(sweep_of(root, "burst", BURST)))
    ensure_daemon(open_workspace(root))
    run = ended(root)
    assert run["summary"]["step"] == 100_000  # every line was captured (the last one is step 100,001)
    assert_everywhere(root, "burst", run, 0.91)
    header, line = cli(root, "ls").splitlines()[:2]  # one metric for every run: the header names it
    column = header.index("val/acc")
    assert line[column:].split()[0] == "0.91"


@pytest.mark.slow
def test_output_written_while_the_daemon_was_down_is_read_in_full_before_the_run_closes(root):
    cli(root, "add", str(sweep_of(root, "down", REPORTER)))
    ws = open_workspace(root)
    ensure_daemon(ws)
    store = Store(ws.store_path)
    run_id = wait_for(
        lambda: next((r["id"] for r in store.runs() if r["status"] == "running"), None), 60, "the job to start"
    )
    os.kill(daemon_status(ws)["pid"], signal.SIGKILL)
    wait_for(lambda: daemon_status(ws) is None, 30, "the daemon to die")
    run_dir = ws.run_dir(run_id)
    (run_dir / "go").touch()
    wait_for(lambda: (run_dir / "exit.json").exists(), 120, "the job to exit while no daemon watched")
    assert (run_dir / "events.jsonl").stat().st_size > 8 << 20  # more than one capped read
    ensure_daemon(ws)
    run = ended(root)
    assert run["summary"]["epoch"] == 100
    assert_everywhere(root, "down", run, 75.0)


@pytest.mark.slow
def test_a_csv_log_written_in_the_jobs_last_moment_is_ingested(root):
    config = root / "late.toml"
    script = root / "late.py"
    script.write_text(textwrap.dedent(LATE_CSV))
    config.write_text(
        textwrap.dedent(f"""
        [job]
        command = ["python", "{script}"]
        metrics_csv = "logs/metrics.csv"
        metrics_map = {{val_acc = "val/acc"}}
        """)
    )
    cli(root, "add", str(config))
    ensure_daemon(open_workspace(root))
    run = ended(root)
    assert run["status"] == "done"
    assert run["summary"]["last"]["val/acc"] == pytest.approx(0.912)
    assert run["summary"]["epoch"] == 1


def test_a_final_read_takes_the_last_event_without_its_newline_and_counts_a_torn_one(tmp_path):
    from fertui.events import EventTail

    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "log", "step": 1, "metrics": {"a": 1}}\n{"type": "log", "step": 2, "metrics": {"a": 2}}')
    tail = EventTail(path)
    assert [e["step"] for e in tail.read()] == [1] and tail.read() == []  # live: the last line may grow
    assert [e["step"] for e in tail.read(final=True)] == [2] and tail.offset == path.stat().st_size
    with open(path, "a") as fh:
        fh.write('\n{"type": "log", "st')  # a job killed mid-write
    assert tail.read(final=True) == [] and tail.bad_lines == 1 and tail.offset == path.stat().st_size


def test_read_to_end_takes_unterminated_last_lines_and_files_created_since_the_last_look(tmp_path):
    from fertui.scheduler.ingest import RunIngest

    run = {
        "id": "00001",
        "kind": "command",
        # "default", not "auto": auto holds lines back until it has chosen a setting
        "config": {
            "job": {"metrics_csv": "logs/*.csv", "metrics_map": {"val_acc": "val/acc"}, "output_scalars": "default"}
        },
    }
    (tmp_path / "stdout.log").write_text("loss: 0.5\nloss: 0.25")  # printed without a newline at the end
    ingest = RunIngest(run, tmp_path)
    ingest.read()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "metrics.csv").write_text("epoch,val_acc\n0,0.8\n1,0.9")
    ingest.read()  # live reads: the CSV was looked for a moment ago, the last lines may still grow
    assert ingest.summary["last"] == {"loss": 0.5}
    for _ in ingest.read_to_end():
        pass
    last = ingest.summary["last"]
    assert last["loss"] == 0.25 and last["val/acc"] == 0.9 and ingest.summary["epoch"] == 1
    position = ingest.position()
    assert list(ingest.read_to_end()) == [([], False)] and ingest.position() == position  # nothing read twice


def test_read_to_end_finds_a_tensorboard_file_written_as_the_job_exits(tmp_path):
    pytest.importorskip("tensorboard")
    import time

    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    from fertui.scheduler.ingest import RunIngest

    ingest = RunIngest({"id": "00001", "kind": "command", "config": {"job": {}}}, tmp_path)
    ingest.read()  # a live read: the folder has no event file yet, and is not looked at again for a while
    writer = EventFileWriter(str(tmp_path / "tb"))  # what SummaryWriter writes, without importing torch
    writer.add_event(
        Event(wall_time=time.time(), step=3, summary=Summary(value=[Summary.Value(tag="val/acc", simple_value=91.2)]))
    )
    writer.close()
    ingest.read()
    assert ingest.summary["last"] == {}
    for _ in ingest.read_to_end():
        pass
    assert ingest.summary["last"] == {"val/acc": pytest.approx(91.2)}
