"""Optimisers and per-step learning-rate schedules (linear warm-up, then none/cosine/step/exponential)."""

from __future__ import annotations

import math
from typing import Any

import torch


def build_optimizer(params, optim: dict[str, Any], device_type: str = "cpu") -> torch.optim.Optimizer:
    name, lr, wd = optim["name"], optim["lr"], optim["weight_decay"]
    betas = (optim["beta1"], optim["beta2"])
    # On a GPU the fused kernels update every parameter in one launch instead of one per tensor.
    fused = {"fused": True} if device_type == "cuda" else {}
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=optim["eps"], weight_decay=wd, **fused)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=optim["eps"], weight_decay=wd, **fused)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=optim["momentum"], weight_decay=wd, **fused)
    raise ValueError(f"unknown optimizer {name!r}")  # the schema rules this out


class LrFactor:
    """LR multiplier at optimizer step S (0-based); a callable object so LambdaLR can save it."""

    def __init__(self, sched: dict[str, Any], base_lr: float, steps_per_epoch: int, epochs: int):
        self.name = sched["name"]
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.warmup = int(round(sched["warmup_epochs"] * self.steps_per_epoch))
        self.total = max(1, epochs * self.steps_per_epoch)
        self.step_size, self.gamma = sched["step_size"], sched["gamma"]
        self.min_factor = sched["min_lr"] / base_lr if base_lr > 0 else 0.0

    def __call__(self, s: int) -> float:
        if s < self.warmup:
            return (s + 1) / self.warmup
        if self.name == "cosine":
            t = min(1.0, (s - self.warmup) / max(1, self.total - self.warmup))
            return self.min_factor + (1 - self.min_factor) * 0.5 * (1 + math.cos(math.pi * t))
        epoch = s / self.steps_per_epoch  # step/exponential decay per epoch, as the notes count them
        if self.name == "step":
            return max(self.min_factor, self.gamma ** int(epoch // self.step_size))
        if self.name == "exponential":
            return max(self.min_factor, self.gamma**epoch)
        return 1.0


def build_scheduler(optimizer, sched: dict[str, Any], base_lr: float, steps_per_epoch: int, epochs: int):
    """Stepped once per optimizer step, so warm-up and decay are smooth within an epoch."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, LrFactor(sched, base_lr, steps_per_epoch, epochs))
