"""The training step's options in process: autocast precisions, GradScaler, mixup, clipping, optimisers."""

from __future__ import annotations

import pytest
import torch

from fertui.config.schema import defaults
from fertui.train.device import pick_precision
from fertui.train.optim import build_optimizer, build_scheduler
from fertui.train.step import TrainStep


def make_step(train: dict | None = None, optim: dict | None = None, amp: str = "off") -> TrainStep:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 7),
    )
    cfg = defaults()
    cfg["train"].update(train or {})
    cfg["optim"].update(optim or {})
    optimizer = build_optimizer(model.parameters(), cfg["optim"])
    scheduler = build_scheduler(optimizer, cfg["sched"], cfg["optim"]["lr"], 10, 2)
    return TrainStep(
        model,
        optimizer,
        scheduler,
        pick_precision(torch.device("cpu"), amp),
        cfg["train"],
        7,
        clip_grad=cfg["optim"]["clip_grad"],
    )


def batch(n: int = 6):
    return torch.randn(n, 3, 12, 12), torch.randint(0, 7, (n,))


@pytest.mark.parametrize("amp", ["off", "bf16", "fp16"])
def test_each_precision_trains_with_finite_loss(amp):
    step = make_step(amp=amp)
    assert step.precision.label == {"off": "fp32", "bf16": "bf16", "fp16": "fp16"}[amp]
    assert (step.scaler is not None) is (amp == "fp16")
    results = [step(*batch(), s) for s in range(1, 4)]
    assert all(r.finite for r in results)


def test_auto_precision_is_fp32_on_cpu():
    assert pick_precision(torch.device("cpu"), "auto").label == "fp32"


@pytest.mark.parametrize("optim", ["adamw", "adam", "sgd"])
def test_optimisers_move_the_weights_and_the_lr_follows_the_schedule(optim):
    step = make_step(optim={"name": optim, "lr": 1e-2})
    before = [p.detach().clone() for p in step.model.parameters()]
    first = step(*batch(), 1)
    second = step(*batch(), 2)
    assert first.lr == pytest.approx(1e-2) and second.lr < first.lr  # cosine decays every step
    assert any(not torch.equal(a, b) for a, b in zip(before, step.model.parameters()))


def test_mixup_with_an_odd_batch_and_label_smoothing():
    step = make_step(train={"mixup_alpha": 0.8, "cutmix_alpha": 1.0, "label_smoothing": 0.1})
    assert step.mixup is not None
    assert step(*batch(7), 1).finite  # timm's Mixup needs an even batch: one sample is dropped


def test_gradient_clipping_bounds_the_update():
    step = make_step(optim={"name": "sgd", "lr": 1.0, "momentum": 0.0, "clip_grad": 1e-3})
    before = [p.detach().clone() for p in step.model.parameters()]
    result = step(*batch(), 1)
    moved = torch.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(before, step.model.parameters())))
    assert result.grad_norm > 1e-3 and moved.item() == pytest.approx(1e-3, rel=1e-3)
