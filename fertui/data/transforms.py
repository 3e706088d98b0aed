"""Train and eval transforms (torchvision v2) from the ``[data]`` keys and ``model.input_size``."""

from __future__ import annotations

from typing import Any

from fertui.errors import ConfigError


def normalisation_stats(source: str, data: dict[str, Any]) -> tuple[list[float], list[float]]:
    """data.mean and data.std, checked: three numbers each, every std > 0."""
    mean, std = list(data["mean"]), list(data["std"])
    for key, values in (("data.mean", mean), ("data.std", std)):
        if len(values) != 3:
            raise ConfigError(source, key, f"expected 3 numbers (one per RGB channel), got {values}")
    if min(std) <= 0:
        raise ConfigError(source, "data.std", f"expected numbers > 0, got {std}")
    return mean, std


def build_transforms(tree: dict[str, dict[str, Any]], train: bool, source: str = "config"):
    """Image (PIL or HxWx3 uint8 array) -> normalised float CHW tensor of the model's input size."""
    import torch
    from torchvision.transforms import v2

    data = tree["data"]
    size = int(tree["model"]["input_size"])
    mean, std = normalisation_stats(source, data)
    steps: list = [v2.ToImage()]
    if train and data.get("crop_scale", 1.0) < 1.0:
        steps.append(v2.RandomResizedCrop((size, size), scale=(data["crop_scale"], 1.0), antialias=True))
    else:
        steps.append(v2.Resize((size, size), antialias=True))
    if train and data["hflip"]:
        steps.append(v2.RandomHorizontalFlip())
    if train and data["color_jitter"] > 0:
        strength = data["color_jitter"]
        steps.append(v2.ColorJitter(brightness=strength, contrast=strength, saturation=strength))
    steps += [v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean, std)]
    if train and data["random_erasing"] > 0:
        steps.append(v2.RandomErasing(p=data["random_erasing"]))
    return v2.Compose(steps)
