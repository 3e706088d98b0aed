"""The print formats of published FER code, read under ``auto`` and under each named preset.

tests/capture/scripts/fer_formats.py prints each format for real (a subprocess per style); its
output goes through the manager's Capture exactly as a run's stdout.log does.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from fertui.capture.sources import Capture
from fertui.events import read_all
from tests.waiting import wait_for

SCRIPTS = Path(__file__).parent / "scripts"
NAN_LR = 0.2  # common.py: from this lr on the loss turns NaN in epoch 2
# style -> (the preset that reads it, whether it prints val loss, train accuracy)
STYLES = {
    "progress-meter": ("progress-meter", False, True),
    "dan": ("dan", True, True),
    "ddamfn-affectnet": ("dan", True, True),
    "poster": ("poster", True, True),
    "hf": ("hf", True, False),
    "hf-json": ("hf", True, False),
}
FRACTIONS_UNSCALED = {"hf", "hf-json"}  # Trainer's accuracy unit is the user's compute_metrics'


def printed(tmp_path: Path, style: str, lr: float = 0.1) -> Path:
    """A run folder whose stdout.log is what the script printed in STYLE."""
    run_dir = tmp_path / style
    run_dir.mkdir()
    log = run_dir / "stdout.log"
    with open(log, "wb") as out:
        job = subprocess.Popen(
            [sys.executable, "fer_formats.py", f"--style={style}", f"--lr={lr}", f"--gate={run_dir}"],
            cwd=SCRIPTS,
            stdout=out,
        )
        try:
            if lr < NAN_LR:
                assert job.wait(timeout=120) == 0
            else:  # after its NaN the script hangs, as a diverged job does: stop it once it is printed
                wait_for(lambda: "nan" in log.read_text().lower(), 120, f"{style}: the NaN line")
        finally:
            job.kill()
            job.wait()
    return run_dir


def captured(run_dir: Path, **job) -> tuple[dict[str, float], list[dict]]:
    run = {"kind": "command", "config": {"job": job}}
    capture = Capture(run, run_dir)
    capture.read(final=True, objective="val/acc")
    events = read_all(run_dir / "captured.jsonl")
    last: dict[str, float] = {}
    for event in events:
        last.update(event.get("metrics") or {})
    return last, events


def expected(style: str, last_epoch: int = 3) -> dict[str, float]:
    acc = 60 + 100 * 0.1 + last_epoch
    return {"val/acc": acc, "train/acc": acc - 10, "train/loss": 1 / last_epoch, "val/loss": 2 / last_epoch}


@pytest.mark.parametrize("setting", ["auto", "named"])
@pytest.mark.parametrize("style", list(STYLES))
def test_each_format_gives_train_and_val_metrics_in_percent(tmp_path, style, setting):
    preset, has_val_loss, has_train_acc = STYLES[style]
    run_dir = printed(tmp_path, style)
    job = {} if setting == "auto" else {"output_scalars": preset}
    if style in FRACTIONS_UNSCALED:
        job["metrics_scale"] = {"val/acc": 100}
    last, events = captured(run_dir, **job)
    want = expected(style)
    assert last["val/acc"] == pytest.approx(want["val/acc"])  # the epoch's value, not the "best" line's 99
    assert last["train/loss"] == pytest.approx(want["train/loss"], abs=1e-3)
    if has_train_acc:
        assert last["train/acc"] == pytest.approx(want["train/acc"])
    if has_val_loss:
        assert last["val/loss"] == pytest.approx(want["val/loss"], abs=1e-3)
    assert not {"acc", "accuracy", "loss", "best_acc"} & set(last), last
    if setting == "auto":
        assert [e["output_scalars"] for e in events if e["type"] == "capture"] == [preset]
    epochs = [e.get("epoch") for e in events if "val/acc" in e.get("metrics", {})]
    assert len(epochs) == 3 and epochs == sorted(epochs)


@pytest.mark.parametrize("style", list(STYLES))
def test_a_nan_loss_in_each_format_is_a_nan_event_under_auto(tmp_path, style):
    run_dir = printed(tmp_path, style, lr=0.3)
    _, events = captured(run_dir)
    nan = [e for e in events if e["type"] == "nan"]
    assert nan and nan[0]["metric"].endswith("loss"), events


def test_auto_decides_at_the_first_nan_without_waiting_for_validation(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "stdout.log").write_text(
        "Epoch: [0][0/9]\tLoss 2.1 (2.1)\tAccuracy 10.0 (10.0)\nEpoch: [0][3/9]\tLoss nan (nan)\tAccuracy 10.0 (10.0)\n"
    )
    capture = Capture({"kind": "command", "config": {"job": {}}}, run_dir)
    capture.read(objective="val/acc")  # not final: the run is still going
    events = read_all(run_dir / "captured.jsonl")
    assert [e["type"] for e in events] == ["capture", "log", "log", "nan"]


def test_auto_holds_lines_back_until_the_objective_then_writes_them_all(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    log = run_dir / "stdout.log"
    log.write_text("".join(f"step: {i} loss: {1 / (i + 1):.4f}\n" for i in range(5)))
    capture = Capture({"kind": "command", "config": {"job": {}}}, run_dir)
    capture.read(objective="val/acc")
    assert read_all(run_dir / "captured.jsonl") == []  # which set reads this output is not known yet
    with open(log, "a") as fh:
        fh.write("epoch: 1 val_acc: 0.5\n")
    capture.read(objective="val/acc")
    events = read_all(run_dir / "captured.jsonl")
    assert events[0] == {"type": "capture", "src": "stdout", "output_scalars": "default"}
    assert [e["step"] for e in events[1:]] == [0, 1, 2, 3, 4, 5] and events[-1]["metrics"] == {"val/acc": 0.5}


def test_a_run_that_ends_undecided_keeps_every_line(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "stdout.log").write_text("loss: 0.5\nloss: 0.25\n")
    capture = Capture({"kind": "command", "config": {"job": {}}}, run_dir)
    capture.read(final=True, objective="val/acc")
    assert [e.get("metrics") for e in read_all(run_dir / "captured.jsonl")] == [None, {"loss": 0.5}, {"loss": 0.25}]


def test_a_restarted_manager_keeps_the_choice(tmp_path):
    run_dir = printed(tmp_path, "dan")
    log = (run_dir / "stdout.log").read_text().splitlines(keepends=True)
    (run_dir / "stdout.log").write_text("".join(log[:3]))
    Capture({"kind": "command", "config": {"job": {}}}, run_dir).read(objective="val/acc")
    (run_dir / "stdout.log").write_text("".join(log))
    Capture({"kind": "command", "config": {"job": {}}}, run_dir).read(objective="val/acc")  # a new manager
    events = read_all(run_dir / "captured.jsonl")
    assert [e["output_scalars"] for e in events if e["type"] == "capture"] == ["dan"]
    values = [e["metrics"]["val/acc"] for e in events if "val/acc" in e.get("metrics", {})]
    assert values == pytest.approx([71, 72, 73])


def test_metrics_scale_applies_on_top_of_a_preset_and_to_named_metrics_only(tmp_path):
    run_dir = printed(tmp_path, "dan")
    last, _ = captured(run_dir, output_scalars="dan", metrics_scale={"val/loss": 10})
    assert last["val/acc"] == pytest.approx(73) and last["val/loss"] == pytest.approx(20 / 3, abs=1e-2)
    assert math.isclose(last["train/lr"], 0.1)


def test_an_output_past_its_first_epoch_without_the_objective_is_decided_so_the_ingest_sees_it(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "stdout.log").write_text("epoch: 1 loss: 0.9 top1: 50\nepoch: 2 loss: 0.7 top1: 55\n")
    Capture({"kind": "command", "config": {"job": {}}}, run_dir).read(objective="val/acc")  # still running
    events = read_all(run_dir / "captured.jsonl")
    assert events[0]["output_scalars"] == "default" and [e["epoch"] for e in events[1:]] == [1, 2]


@pytest.mark.parametrize("style", ["dan", "ddamfn-affectnet", "poster", "hf", "hf-json"])
def test_the_default_set_alone_labels_train_and_val_and_skips_best_lines(tmp_path, style):
    last, events = captured(printed(tmp_path, style), output_scalars="default")
    acc = expected(style)["val/acc"] / 100  # the default set knows no units
    assert last["val/acc"] == pytest.approx(acc) and last["val/loss"] == pytest.approx(2 / 3, abs=1e-3)
    train_loss = "loss" if style.startswith("hf") else "train/loss"  # Trainer's loss line names no phase
    assert last[train_loss] == pytest.approx(1 / 3, abs=1e-3)
    assert all(e["metrics"].get("val/acc", 0) < 0.9 for e in events if "metrics" in e)  # never best_acc 0.99
    assert not {"acc", "accuracy", "best_acc"} & set(last)


def test_the_default_set_takes_nothing_from_progress_meter_lines_not_even_the_best(tmp_path):
    last, _ = captured(printed(tmp_path, "progress-meter"), output_scalars="default")
    assert "val/acc" not in last and "acc" not in last and "accuracy" not in last
