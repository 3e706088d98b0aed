"""Validation: accuracy, mean class accuracy (both in %), loss, the confusion matrix and the
predicted class of every image (loader order), for test-set-aware comparisons."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from fertui.train.device import Precision


@torch.inference_mode()
def evaluate(
    model: nn.Module, loader, precision: Precision, num_classes: int, channels_last: bool = False
) -> tuple[dict[str, float], list[list[int]], torch.Tensor, torch.Tensor]:
    """(metrics, confusion, predicted, targets): confusion[true][predicted] counts validation
    images; predicted and targets are per image, in loader order, on the CPU."""
    was_training = model.training
    model.eval()
    device = precision.device
    confusion = torch.zeros(num_classes * num_classes, dtype=torch.long, device=device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    seen = 0
    predicted, truth = [], []
    for images, targets in loader:
        images = images.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        with precision.autocast():
            logits = model(images)
        loss_sum += nn.functional.cross_entropy(logits.float(), targets, reduction="sum").double()
        preds = logits.argmax(dim=1)
        confusion += torch.bincount(targets * num_classes + preds, minlength=num_classes * num_classes)
        predicted.append(preds.cpu())
        truth.append(targets.cpu())
        seen += targets.numel()
    model.train(was_training)
    matrix = confusion.view(num_classes, num_classes).cpu()
    flat = torch.cat(predicted) if predicted else torch.zeros(0, dtype=torch.long)
    labels = torch.cat(truth) if truth else torch.zeros(0, dtype=torch.long)
    return metrics_from_confusion(matrix, loss_sum.item(), seen), matrix.tolist(), flat, labels


def metrics_from_confusion(matrix: torch.Tensor, loss_sum: float, seen: int) -> dict[str, Any]:
    correct = matrix.diag().double()
    support = matrix.sum(dim=1).double()
    present = support > 0  # a class missing from the validation set has no accuracy to average
    acc = 100.0 * correct.sum().item() / max(1, seen)
    mean_class = 100.0 * (correct[present] / support[present]).mean().item() if present.any() else 0.0
    return {"val/acc": acc, "val/mean_class_acc": mean_class, "val/loss": loss_sum / max(1, seen)}
