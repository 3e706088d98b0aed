"""Per-step LR schedules and the validation metrics, in process (no training)."""

from __future__ import annotations

import math

import pytest
import torch

from fertui.config.schema import defaults
from fertui.train.evaluate import metrics_from_confusion
from fertui.train.optim import LrFactor


def factor(**sched) -> LrFactor:
    return LrFactor({**defaults()["sched"], **sched}, base_lr=1e-3, steps_per_epoch=10, epochs=5)


def test_warmup_is_linear_then_cosine_reaches_min_lr():
    f = factor(name="cosine", warmup_epochs=1, min_lr=1e-4)
    assert [f(s) for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert f(10) == pytest.approx(1.0)
    assert f(50) == pytest.approx(0.1)  # min_lr / lr
    assert all(f(s) >= f(s + 1) for s in range(10, 49))


def test_step_and_exponential_decay_per_epoch():
    step = factor(name="step", step_size=2, gamma=0.5)
    assert [step(s) for s in (0, 19, 20, 40)] == pytest.approx([1, 1, 0.5, 0.25])
    expo = factor(name="exponential", gamma=0.9)
    assert expo(10) == pytest.approx(0.9) and expo(15) == pytest.approx(0.9**1.5)
    assert factor(name="none")(33) == 1.0


def test_metrics_from_confusion_handles_a_missing_class():
    matrix = torch.tensor([[3, 1, 0], [0, 2, 2], [0, 0, 0]])  # class 2 absent from validation
    m = metrics_from_confusion(matrix, loss_sum=8.0, seen=8)
    assert m["val/acc"] == pytest.approx(62.5)
    assert m["val/mean_class_acc"] == pytest.approx((75 + 50) / 2)
    assert m["val/loss"] == 1.0 and math.isfinite(m["val/loss"])
