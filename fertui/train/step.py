"""One training step: forward under autocast, loss, backward, finiteness check, optimizer step.

The finiteness check costs one host sync per step (loss and gradient norm together), which
lets a NaN be reported at the exact step and skipped before it reaches the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from fertui.train.device import Precision

NAN_POLICIES = ("stop", "skip_step", "continue")


@dataclass
class StepResult:
    loss: float
    grad_norm: float
    lr: float
    finite: bool
    stepped: bool  # False when the update was skipped (NaN policy or fp16 overflow)


def build_criterion(train: dict[str, Any], num_classes: int):
    """(mixup or None, training loss): soft-target CE with mixup/cutmix, else (smoothed) CE."""
    if train["mixup_alpha"] > 0 or train["cutmix_alpha"] > 0:
        from timm.data import Mixup
        from timm.loss import SoftTargetCrossEntropy

        mixup = Mixup(
            mixup_alpha=train["mixup_alpha"],
            cutmix_alpha=train["cutmix_alpha"],
            label_smoothing=train["label_smoothing"],
            num_classes=num_classes,
        )
        return mixup, SoftTargetCrossEntropy()
    return None, nn.CrossEntropyLoss(label_smoothing=train["label_smoothing"])


class TrainStep:
    def __init__(
        self,
        model: nn.Module,
        optimizer,
        scheduler,
        precision: Precision,
        train: dict[str, Any],
        num_classes: int,
        clip_grad: float = 0.0,
        forward: nn.Module | None = None,
    ):
        self.model = model
        self.forward = forward or model  # a torch.compile'd wrapper when asked for
        self.optimizer, self.scheduler, self.precision = optimizer, scheduler, precision
        self.scaler = precision.grad_scaler()
        self.mixup, self.criterion = build_criterion(train, num_classes)
        self.channels_last = precision.channels_last(train["channels_last"])
        self.on_nan = train["on_nan"]
        self.inject_nan_at_step = train["inject_nan_at_step"]
        self.clip_grad = clip_grad
        self.params = [p for p in model.parameters() if p.requires_grad]

    def prepare(self, images: torch.Tensor, targets: torch.Tensor):
        device = self.precision.device
        images = images.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        if self.mixup is not None:
            if images.shape[0] % 2:  # timm's Mixup pairs samples, so it needs an even batch
                images, targets = images[:-1], targets[:-1]
            images, targets = self.mixup(images, targets)
        return images, targets

    def __call__(self, images: torch.Tensor, targets: torch.Tensor, step: int) -> StepResult:
        """Train on one batch as global step STEP (1-based)."""
        images, targets = self.prepare(images, targets)
        lr = self.optimizer.param_groups[0]["lr"]
        with self.precision.autocast():
            logits = self.forward(images)
            loss = self.criterion(logits, targets)
        if step == self.inject_nan_at_step:
            loss = loss * float("nan")  # testing aid: a real NaN that flows into the gradients
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()
        grads = [p.grad for p in self.params if p.grad is not None]
        norm = torch.nn.utils.get_total_norm(grads) if grads else torch.zeros((), device=loss.device)
        loss_value, norm_value = torch.stack([loss.detach().float(), norm.float()]).tolist()  # one sync
        # Under fp16 an infinite gradient is the scaler's business (it skips and backs off).
        finite = math.isfinite(loss_value) and (self.scaler is not None or math.isfinite(norm_value))
        stepped = finite or self.on_nan == "continue"
        if stepped:
            if self.clip_grad > 0:
                torch.nn.utils.clip_grads_with_norm_(self.params, self.clip_grad, norm)
            if self.scaler is not None:
                scale = self.scaler.get_scale()
                self.scaler.step(self.optimizer)
                self.scaler.update()
                stepped = self.scaler.get_scale() >= scale  # the scale drops when it skipped
            else:
                self.optimizer.step()
        else:
            self.optimizer.zero_grad(set_to_none=True)
            if self.scaler is not None:
                self.scaler.update()  # closes this step's unscale_ so the next one may unscale
        self.scheduler.step()
        return StepResult(loss_value, norm_value, lr, finite, stepped)
