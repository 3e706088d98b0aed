"""The ``[data]`` augmentations applied to a whole uint8 batch at once, on the batch's device.

What ``data.cache`` loaders use in place of the per-image torchvision v2 pipeline of
fertui/data/transforms.py. Every random choice is drawn per image from torch's global CPU
generator (as the plain loader's transforms do with ``num_workers = 0``), so a checkpoint's
saved RNG state replays the same augmentations. Differences from the per-image pipeline, all
in how parameters are drawn, none in what a transform does:

- random crop: area and aspect ratio are drawn once and the box is clipped to the image,
  where v2.RandomResizedCrop redraws up to ten times; the crop is resampled with
  torchvision.ops.roi_align (bilinear, averaging over each output pixel's footprint);
- colour jitter: brightness, contrast, saturation always in that order (v2 shuffles them);
- random erasing fills with 0 after normalising, as v2.RandomErasing's default does.
"""

from __future__ import annotations

import math
from typing import Any

import torch


class BatchAugment:
    """uint8 N x 3 x H x W batch -> normalised float N x 3 x SIZE x SIZE batch."""

    def __init__(self, data: dict[str, Any], size: int, train: bool, mean: list[float], std: list[float]):
        self.size = size
        self.crop_scale = data.get("crop_scale", 1.0) if train else 1.0
        self.hflip = bool(train and data["hflip"])
        self.jitter = float(data["color_jitter"]) if train else 0.0
        self.erasing = float(data["random_erasing"]) if train else 0.0
        self.mean = torch.tensor(mean).view(1, 3, 1, 1)
        self.std = torch.tensor(std).view(1, 3, 1, 1)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """IMAGES: a uint8 batch of the caller's own (a fresh gather), which flipping may overwrite."""
        device = images.device
        n = images.shape[0]
        flip = _uniform(n, device) < 0.5 if self.hflip else None
        if self.crop_scale < 1.0:
            x = self._crop(images.float())  # 0..255
            if flip is not None:
                x = torch.where(flip.view(n, 1, 1, 1), x.flip(-1), x)
        elif images.shape[-2:] != (self.size, self.size):
            raise ValueError(
                f"cached images are {tuple(images.shape[-2:])}, expected {self.size} px: "
                "the cache resizes when it decodes"
            )
        else:
            if flip is not None and device.type == "cpu":  # uint8 in place: a quarter of the float traffic
                images[flip] = images[flip].flip(-1)
            elif flip is not None:  # a boolean index would wait for the GPU; where does not
                images = torch.where(flip.view(n, 1, 1, 1), images.flip(-1), images)
            x = images.float()
        mean, std = self.mean.to(device), self.std.to(device)
        if self.jitter > 0:
            x = self._jitter(x.div_(255.0))
            return self._erase(x.sub_(mean).div_(std))
        # (x / 255 - mean) / std folded into two in-place passes: the CPU's memory bandwidth is the limit
        return self._erase(x.sub_(255.0 * mean).div_(255.0 * std))

    def _crop(self, x: torch.Tensor) -> torch.Tensor:
        from torchvision.ops import roi_align

        n, _, h, w = x.shape
        device = x.device
        area = h * w * (self.crop_scale + (1 - self.crop_scale) * _uniform(n, device))
        log_ratio = math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * _uniform(n, device)
        ratio = torch.exp(log_ratio)
        crop_w = torch.sqrt(area * ratio).clamp(1, w)
        crop_h = torch.sqrt(area / ratio).clamp(1, h)
        left = (w - crop_w) * _uniform(n, device)
        top = (h - crop_h) * _uniform(n, device)
        boxes = torch.stack(
            [torch.arange(n, device=device, dtype=x.dtype), left, top, left + crop_w, top + crop_h], dim=1
        )
        return roi_align(x, boxes, (self.size, self.size), spatial_scale=1.0, sampling_ratio=-1, aligned=True)

    def _jitter(self, x: torch.Tensor) -> torch.Tensor:
        n, device = x.shape[0], x.device
        low = max(0.0, 1 - self.jitter)

        def factor() -> torch.Tensor:
            return (low + (1 + self.jitter - low) * _uniform(n, device)).view(n, 1, 1, 1)

        x = (x * factor()).clamp(0, 1)  # brightness
        mean = _grey(x).mean(dim=(-3, -2, -1), keepdim=True)
        c = factor()
        x = (c * x + (1 - c) * mean).clamp(0, 1)  # contrast
        s = factor()
        return (s * x + (1 - s) * _grey(x)).clamp(0, 1)  # saturation

    def _erase(self, x: torch.Tensor) -> torch.Tensor:
        if self.erasing <= 0:
            return x
        n, _, h, w = x.shape
        device = x.device
        erase = _uniform(n, device) < self.erasing
        area = h * w * (0.02 + 0.31 * _uniform(n, device))
        ratio = torch.exp(math.log(0.3) + (math.log(3.3) - math.log(0.3)) * _uniform(n, device))
        eh = torch.sqrt(area * ratio).round()
        ew = torch.sqrt(area / ratio).round()
        erase &= (eh < h) & (ew < w)  # v2 leaves an image alone when the box does not fit
        top = ((h - eh + 1) * _uniform(n, device)).floor()
        left = ((w - ew + 1) * _uniform(n, device)).floor()
        rows = torch.arange(h, device=device).view(1, h, 1)
        cols = torch.arange(w, device=device).view(1, 1, w)
        inside = (
            (rows >= top.view(n, 1, 1))
            & (rows < (top + eh).view(n, 1, 1))
            & (cols >= left.view(n, 1, 1))
            & (cols < (left + ew).view(n, 1, 1))
            & erase.view(n, 1, 1)
        )
        return x.masked_fill(inside.unsqueeze(1), 0.0)


def _uniform(n: int, device: torch.device) -> torch.Tensor:
    """N draws from torch's global CPU generator, moved to DEVICE (a checkpoint restores that state)."""
    return torch.rand(n).to(device, non_blocking=True)


def _grey(x: torch.Tensor) -> torch.Tensor:
    """ITU-R 601 luma, as torchvision's rgb_to_grayscale."""
    r, g, b = x.unbind(dim=-3)
    return (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(-3)
