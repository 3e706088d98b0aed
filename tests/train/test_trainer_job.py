"""The trainer as a real job: finishes, resumes after SIGKILL, stops at a NaN with exit code 3."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import torch

from fertui.job_metrics import BUILT_IN_JOBS
from fertui.report import EXIT_NAN

from .trainjob import dump, events, run_job, start_job, stdout_of, train_logs, val_logs, wait_for

pytestmark = pytest.mark.slow


def test_run_finishes_with_events_checkpoints_and_accuracy_above_chance(make_run):
    # The tiny CLSFER needs ~50 steps before it leaves chance on the synthetic faces:
    # 5 epochs of 43 steps (about 15 s on one core).
    run_dir = make_run(
        {
            "data": {"synthetic_train": 700, "synthetic_test": 210, "batch_size": 16},
            "optim": {"lr": 5e-4},
            "train": {"epochs": 5, "log_every": 2},
        }
    )
    assert run_job(run_dir) == 0, stdout_of(run_dir)
    evs = events(run_dir)
    start = next(e for e in evs if e["type"] == "start")
    assert start["epochs"] == 5 and start["objective"] == "val/acc" and len(start["classes"]) == 7
    spe = start["steps_per_epoch"]
    assert spe == 700 // 16  # the last partial batch is dropped
    steps = [e["step"] for e in train_logs(evs)]
    assert steps[:3] == [2, 4, 6] and steps[-1] == 5 * spe and steps == sorted(set(steps))
    vals = val_logs(evs)
    assert [(e["epoch"], e["step"]) for e in vals] == [(k, k * spe) for k in range(1, 6)]
    for e in vals:
        assert set(e["metrics"]) == {"val/acc", "val/mean_class_acc", "val/loss"}
    best = max(e["metrics"]["val/acc"] for e in vals)
    # Chance is 14.3 %; 30 % on 210 images is 6 standard errors above it (this run gets ~44 %).
    assert best > 30, dump(vals)
    summary = [e for e in evs if e["type"] == "summary"][-1]["values"]
    assert summary["val/acc"] == best and summary["step"] == 5 * spe
    known = BUILT_IN_JOBS["train"]  # what `fertui add` accepts as this job's objective
    assert {m for e in evs if e["type"] == "log" for m in e["metrics"]} <= set(known.logged)
    assert set(summary) <= known.names
    confusion = [e for e in evs if e["type"] == "artifact" and e["kind"] == "confusion_matrix"]
    assert len(confusion) == 5
    matrix = json.loads(Path(confusion[-1]["path"]).read_text())["matrix"]
    assert sum(map(sum, matrix)) == 210
    last = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=False)
    assert (last["epoch"], last["step"]) == (5, 5 * spe)
    assert {"model", "optimizer", "scheduler", "scaler", "rng"} <= set(last)
    assert (run_dir / "checkpoints" / "best.pt").exists()
    assert not list((run_dir / "checkpoints").glob(".*tmp"))  # atomic writes leave no temp files
    # Per-image predictions at the best and the last validation: one byte each, scoring as val/acc did.
    from fertui.sweeps.testset import load_predictions

    best_epoch = max(vals, key=lambda e: e["metrics"]["val/acc"])["epoch"]
    for which, epoch in (("best", best_epoch), ("last", 5)):
        found = load_predictions(run_dir, which)
        assert found is not None, sorted(p.name for p in (run_dir / "predictions").iterdir())
        assert found.epoch == epoch and len(found.targets) == 210
        expected = next(e for e in vals if e["epoch"] == epoch)["metrics"]["val/acc"]
        assert abs(100 * sum(found.correct()) / 210 - expected) < 1e-9


def test_killed_run_resumes_and_continues_its_step_count(make_run):
    # 14 steps an epoch, so the kill lands well inside epoch 2.
    run_dir = make_run({"data": {"synthetic_train": 224, "batch_size": 16}, "train": {"epochs": 3}})
    proc = start_job(run_dir)
    try:
        spe = wait_for(lambda: next((e["steps_per_epoch"] for e in events(run_dir) if e["type"] == "start"), None))
        wait_for(lambda: any(e["step"] > spe + 1 for e in train_logs(events(run_dir))))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = max(e["step"] for e in train_logs(events(run_dir)))
    saved = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=False)
    assert (saved["epoch"], saved["step"]) == (1, spe) and killed_at > spe  # mid-epoch 2
    before = len(events(run_dir))

    assert run_job(run_dir, "fertui.train", "--resume") == 0, stdout_of(run_dir)
    evs = events(run_dir)[before:]
    start = next(e for e in evs if e["type"] == "start")
    assert (start["resumed_epoch"], start["resumed_step"]) == (1, spe)
    assert [e["step"] for e in train_logs(evs)] == list(range(spe + 1, 3 * spe + 1))
    assert [(e["epoch"], e["step"]) for e in val_logs(evs)] == [(2, 2 * spe), (3, 3 * spe)]
    final = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=False)
    assert (final["epoch"], final["step"]) == (3, 3 * spe)


def test_non_finite_loss_stops_the_run_at_that_step_with_exit_code_3(make_run):
    run_dir = make_run({"train": {"inject_nan_at_step": 4}})
    assert run_job(run_dir) == EXIT_NAN, stdout_of(run_dir)
    evs = events(run_dir)
    nans = [e for e in evs if e["type"] == "nan"]
    assert len(nans) == 1, dump(nans)
    assert (nans[0]["step"], nans[0]["epoch"], nans[0]["metric"]) == (4, 1, "train/loss")
    lrs = {e["step"]: e["metrics"]["train/lr"] for e in train_logs(evs)}
    assert max(lrs) == 3  # nothing trained past the NaN step
    assert 0 < nans[0]["lr"] <= lrs[3]  # the lr in force at step 4 (cosine decays)
    assert not (run_dir / "checkpoints" / "last.pt").exists()  # the NaN came before any epoch ended
