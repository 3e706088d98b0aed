"""`fertui capture test` on saved logs and the one-line refusals of it and of `fertui reingest`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app

POSTER_LOG = (
    "[Epoch 1] Train time:0.50, Training accuracy:0.6100. Loss: 1.000 LR:0.000035\n"
    "[Epoch 1] Validation accuracy:0.7100, Loss:2.000, f1 0.500000, score 0.600000\n"
    "best_acc:0.99\n"
    "[Epoch 2] Train time:0.50, Training accuracy:0.6200. Loss: nan LR:0.000035\n"
)


def cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def log(tmp_path) -> Path:
    path = tmp_path / "train.log"
    path.write_text(POSTER_LOG)
    return path


def test_capture_test_shows_the_choice_the_values_in_percent_and_the_nan(tmp_path, log):
    out = cli(tmp_path, "capture", "test", str(log))
    assert "read with auto -> poster" in out and "objective val/acc: found" in out
    assert "non-finite train/loss at step" in out
    reading = json.loads(cli(tmp_path, "capture", "test", str(log), "--json"))
    assert reading["metrics"]["val/acc"]["values"] == [pytest.approx(71)]
    assert reading["metrics"]["train/acc"]["values"] == [pytest.approx(61), pytest.approx(62)]
    assert reading["nan"]["metric"] == "train/loss" and not list(tmp_path.glob("runs/*"))  # nothing queued


def test_capture_test_with_a_pattern_and_a_map(tmp_path, log):
    out = cli(
        tmp_path,
        "capture",
        "test",
        str(log),
        "--pattern",
        r"Validation accuracy:(?P<v>[\d.]+)",
        "--set",
        'job.metrics_map={v = "val/acc"}',
        "--set",
        'job.metrics_scale={"val/acc" = 100}',
        "--json",
    )
    assert json.loads(out)["metrics"] == {
        "val/acc": {"values": [pytest.approx(71)], "epochs": [None], "best": pytest.approx(71)}
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["--preset", "postr"], "'postr' is not a preset (did you mean 'poster'?)"),
        (["--pattern", "(?P<x>[unclosed"], "--pattern: not a valid regular expression"),
        (["--preset", "dan", "--pattern", "(?P<x>1)"], "give one of them"),
        (["--set", "optim.lr=1"], "capture test takes [job] keys only"),
    ],
)
def test_capture_test_refuses_bad_settings_in_one_line(tmp_path, log, args, message):
    out = cli(tmp_path, "capture", "test", str(log), *args, code=2)
    assert message in out and len(out.strip().splitlines()) == 1


def test_capture_test_of_a_missing_log_and_reingest_of_a_wrong_key_are_one_line(tmp_path):
    assert "no such log file" in cli(tmp_path, "capture", "test", str(tmp_path / "nope.log"), code=2)
    out = cli(tmp_path, "reingest", "1", "--set", "optim.lr=0.1", code=2)
    assert "reingest changes only how output is read" in out and len(out.strip().splitlines()) == 1


def test_reingest_refuses_a_run_that_has_not_finished(tmp_path):
    cli(tmp_path, "add", "--", "python", "-c", "print('loss: 1')")  # queued: no daemon runs it
    out = cli(tmp_path, "reingest", "1", code=2)
    assert "run 00001 is queued: reingest re-reads finished runs only" in out
