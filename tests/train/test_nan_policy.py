"""NaN policies of the training step and loop, in process on a tiny model (fast)."""

from __future__ import annotations

import math

import pytest
import torch

import fertui.report as report
from fertui.config.schema import defaults
from fertui.train.device import pick_precision
from fertui.train.optim import build_optimizer, build_scheduler
from fertui.train.step import TrainStep

from .trainjob import events, train_logs, write_run


def tiny_step(on_nan: str, inject: int) -> TrainStep:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.LazyLinear(7))
    model(torch.zeros(1, 3, 8, 8))
    cfg = defaults()
    cfg["train"].update(on_nan=on_nan, inject_nan_at_step=inject, channels_last=False)
    optimizer = build_optimizer(model.parameters(), cfg["optim"])
    scheduler = build_scheduler(optimizer, cfg["sched"], cfg["optim"]["lr"], 10, 1)
    return TrainStep(model, optimizer, scheduler, pick_precision(torch.device("cpu"), "off"), cfg["train"], 7)


def weights(step: TrainStep) -> list[torch.Tensor]:
    return [p.detach().clone() for p in step.model.parameters()]


@pytest.mark.parametrize("policy, updates", [("skip_step", False), ("continue", True), ("stop", False)])
def test_a_non_finite_step_is_flagged_and_the_policy_decides_the_update(policy, updates):
    step = tiny_step(policy, inject=2)
    x, y = torch.randn(4, 3, 8, 8), torch.randint(0, 7, (4,))
    assert step(x, y, 1).finite
    before = weights(step)
    result = step(x, y, 2)
    assert not result.finite and math.isnan(result.loss) and result.stepped is updates
    changed = any(not torch.equal(a, b) for a, b in zip(before, weights(step)))
    assert changed is updates
    if policy == "skip_step":
        after = step(x, y, 3)
        assert after.finite and all(torch.isfinite(p).all() for p in step.model.parameters())


def test_skip_step_run_reports_the_nan_and_finishes(tmp_path, monkeypatch, data_cache):
    from fertui.train.jobconfig import load_job_config
    from fertui.train.loop import Trainer

    run_dir = write_run(
        tmp_path,
        {
            "data": {"synthetic_train": 70, "synthetic_test": 14, "batch_size": 16},
            "train": {"epochs": 1, "inject_nan_at_step": 2, "on_nan": "skip_step"},
        },
        data_cache=data_cache,
    )
    monkeypatch.setenv("FERTUI_RUN_DIR", str(run_dir))
    report.close()
    try:
        assert Trainer(load_job_config(run_dir), run_dir).run(None) == 0
    finally:
        report.close()
    evs = events(run_dir)
    assert [(e["step"], e["epoch"], e["policy"]) for e in evs if e["type"] == "nan"] == [(2, 1, "skip_step")]
    logs = train_logs(evs)
    assert [e["step"] for e in logs] == [1, 2, 3, 4]
    assert "train/loss" not in logs[1]["metrics"]  # the skipped step has no loss to average
    assert all(math.isfinite(e["metrics"]["train/loss"]) for e in logs if e["step"] != 2)
    assert (run_dir / "checkpoints" / "last.pt").exists()
