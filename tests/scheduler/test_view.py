"""The headless view: a live table on a terminal, plain lines in a pipe, and the exit code."""

from __future__ import annotations

import io
import time

from rich.console import Console

from fertui.scheduler.view import RunView, plain_line


def run(run_id: str, status: str, **summary) -> dict:
    now = time.time()
    return {
        "id": run_id,
        "name": f"CLSFER_depth4_lr{run_id}",
        "status": status,
        "slot": "gpu0",
        "started": now - 65,
        "ended": now if status not in ("queued", "running") else None,
        "summary": summary,
    }


def test_live_table_shows_progress_loss_best_eta_and_nan():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=140, color_system=None)
    view = RunView(["00001", "00002"], console)
    good = run(
        "00001",
        "running",
        epoch=2,
        epochs=4,
        step=200,
        steps_per_epoch=100,
        progress=0.5,
        eta_s=125,
        last={"train/loss": 0.4123},
        best={"val/acc": 71.25},
        objective="val/acc",
    )
    bad = run("00002", "running", step=37, nan_step=37, last={"train/loss": float("nan")})
    view.runs = {"00001": good, "00002": bad}
    console.print(view._table())
    text = out.getvalue()
    assert "CLSFER_depth4_lr00001" in text and "ep 2.0/4" in text
    assert "0.4123" in text and "71.25" in text and "2m05s" in text
    header = text.splitlines()[0].split()
    assert "val/acc" in header and "best" not in header  # one metric: named once, in the header
    assert header[-2:] == ["time", "eta"] and "1m05s" in text  # how long each has run
    assert "NaN" in text and "2 running, 0 queued" in text


def test_plain_lines_and_exit_code_follow_the_outcomes():
    out = io.StringIO()
    view = RunView(["00001", "00002"], Console(file=out, width=200))
    assert not view.tty
    with view:
        view.update({"00001": run("00001", "running"), "00002": run("00002", "queued")})
        view.update(
            {
                "00001": run("00001", "done", best={"val/acc": 80.0}, objective="val/acc"),
                "00002": {**run("00002", "failed"), "error": "exit code 1\nValueError: boom"},
            }
        )
    assert view.summary() == 1
    text = out.getvalue()
    assert "00001 CLSFER_depth4_lr00001" in text and "started on gpu0" in text
    assert "done  val/acc 80" in text and "ValueError: boom" in text and "fertui run: summary" in text
    assert "NaN at step 3" in plain_line(run("00003", "nan", step=3, nan_step=3))
    done_only = RunView(["00001"], Console(file=io.StringIO()))
    done_only.update({"00001": run("00001", "done")})
    assert done_only.summary() == 0


def test_event_lines_fit_a_terminal_and_keep_whole_names_in_a_pipe():
    done = {
        **run(
            "00001", "done", epoch=4, epochs=4, last={"train/loss": 0.05}, best={"val/acc": 70.08}, objective="val/acc"
        ),
        "name": "CLSFERBaseline_depth4_SearchLR_lr3.2e-4",
    }
    narrow = plain_line(done, "", 80, "08:06:48 ", "  (6s)")
    assert len(narrow) <= 80 and narrow.startswith("08:06:48 00001 CLSFER") and "…" in narrow
    assert narrow.endswith("done  ep 4/4  loss 0.05  val/acc 70.08  (6s)")
    assert "CLSFERBaseline_depth4_SearchLR_lr3.2e-4" in plain_line(done, "", None, "08:06:48 ")
