"""Time one (model, mode, batch size): warm-up steps first, then timed steps.

Training mode times the trainer's own step (fertui.train.step.TrainStep: AdamW, CE, autocast,
channels_last, NaN check), so a benchmark row is what a training run will see.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch
from torch import nn

from fertui.bench.memory import peak_mb, reset_peak
from fertui.config.schema import defaults
from fertui.train.device import Precision


@dataclass
class Timing:
    img_per_s: float
    ms_per_step: float
    memory_mb: float


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_step_for(model: nn.Module, precision: Precision, num_classes: int, channels_last: bool):
    from fertui.train.optim import build_optimizer, build_scheduler
    from fertui.train.step import TrainStep

    cfg = defaults()
    cfg["train"]["channels_last"] = channels_last
    optimizer = build_optimizer(model.parameters(), cfg["optim"], precision.device.type)
    scheduler = build_scheduler(optimizer, {**cfg["sched"], "name": "none"}, cfg["optim"]["lr"], 1, 1)
    return TrainStep(model, optimizer, scheduler, precision, cfg["train"], num_classes)


def measure(
    model: nn.Module,
    mode: str,
    batch_size: int,
    input_size: int,
    precision: Precision,
    steps: int,
    warmup: int,
    num_classes: int,
    compile_backend: str | None = None,
) -> Timing:
    """Raises the allocator's error on out-of-memory; the caller decides what that means.

    COMPILE_BACKEND (e.g. "inductor") runs the training step's forward through torch.compile,
    as ``train.compile = true`` does; warm-up steps then include the compilation.
    """
    device = precision.device
    channels_last = precision.channels_last(defaults()["train"]["channels_last"])  # as a default training run
    model = copy.deepcopy(model).to(device)  # optimizer state and BN statistics stay per measurement
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    images = torch.randn(batch_size, 3, input_size, input_size, device=device)
    targets = torch.randint(0, num_classes, (batch_size,), device=device)
    reset_peak(device)
    if mode == "train":
        model.train()
        step_fn = train_step_for(model, precision, num_classes, channels_last)
        if compile_backend:
            step_fn.forward = torch.compile(model, backend=compile_backend)

        def one_step(i: int) -> None:
            step_fn(images, targets, i + 1)
    else:
        model.eval()
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)

        @torch.inference_mode()
        def one_step(i: int) -> None:
            with precision.autocast():
                model(images)

    for i in range(warmup):
        one_step(i)
    _sync(device)
    start = time.perf_counter()
    for i in range(steps):
        one_step(warmup + i)
    _sync(device)
    elapsed = time.perf_counter() - start
    memory = peak_mb(device)
    return Timing(batch_size * steps / elapsed, 1000 * elapsed / steps, memory)
