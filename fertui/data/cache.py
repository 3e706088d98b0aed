"""``data.cache``: every image decoded once into one uint8 tensor, batches cut and augmented from it.

RAF-DB's 15,339 aligned 100x100 faces are 460 MB as uint8 (N x 3 x H x W; 577 MB at 112 px): they
fit in host or GPU memory many times over, so JPEG decoding and PIL leave the training loop. The batch order
is the plain loader's own: the same sampler and generator run over image indices.

Images are stored after the pipeline's deterministic first step: resized to the model's input
size, as v2.Resize does, unless the training split crops at random (``data.crop_scale < 1``),
which must crop the full-size image; a set of mixed sizes is then resized once at decode time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import DataLoader

from fertui.data.batch_augment import BatchAugment
from fertui.data.workers import usable_cpus

LABEL_BYTES = 8  # int64 per label


def cache_bytes(count: int, height: int, width: int) -> int:
    """What COUNT cached images of HEIGHT x WIDTH take, labels included: the RAM (or GPU memory) predicted."""
    return count * (3 * height * width + LABEL_BYTES)


def _to_chw(image) -> torch.Tensor:
    """A PIL image or H x W x 3 uint8 array as a 3 x H x W uint8 tensor (what v2.ToImage gives)."""
    if isinstance(image, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
    from torchvision.transforms.v2 import functional as F

    return F.pil_to_tensor(image)


def image_sizes(dataset) -> set[tuple[int, int]]:
    """The (height, width) sizes of DATASET's images, read from file headers (nothing decoded)."""
    if hasattr(dataset, "images"):  # an ArrayDataset: one array, one size
        return {tuple(dataset.images.shape[1:3])}
    from PIL import Image, UnidentifiedImageError

    from fertui.errors import UserError

    sizes = set()
    for path, _ in dataset.samples:
        try:
            with Image.open(path) as img:
                sizes.add((img.height, img.width))
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
            raise UserError(f"{path}: unreadable image ({exc})") from None
    return sizes


def stored_size(sizes: set[tuple[int, int]], input_size: int, random_crop: bool) -> tuple[int, int]:
    """(height, width) images of SIZES are cached at (see the module docstring)."""
    if random_crop and len(sizes) == 1:
        return next(iter(sizes))
    return input_size, input_size


@dataclass
class DecodedImages:
    images: torch.Tensor  # N x 3 x H x W uint8
    labels: torch.Tensor  # N int64

    @property
    def nbytes(self) -> int:
        return self.images.nbytes + self.labels.nbytes


def decode_all(dataset, size: tuple[int, int], device: torch.device, threads: int | None = None) -> DecodedImages:
    """DATASET decoded once into one preallocated uint8 tensor on DEVICE (PIL decodes in threads)."""
    from torchvision.transforms.v2 import functional as F

    n = len(dataset)
    on_host = device.type == "cpu"
    images = torch.empty((n, 3, *size), dtype=torch.uint8, device=device)

    def decode(index: int) -> torch.Tensor:
        image = _to_chw(dataset[index][0])
        if tuple(image.shape[1:]) != size:
            image = F.resize(image, list(size), antialias=True)  # what v2.Resize computes
        return image

    def store(index: int) -> None:
        chunk[index % step] = decode(index)

    labels = torch.tensor(dataset.targets, dtype=torch.int64)
    step = n if on_host else min(n, 1024)  # GPU: filled on the host and copied in pieces
    chunk = images if on_host else torch.empty((step, 3, *size), dtype=torch.uint8)
    with ThreadPoolExecutor(max_workers=threads or usable_cpus()) as pool:
        for start in range(0, n, max(step, 1)):
            stop = min(n, start + step)
            list(pool.map(store, range(start, stop)))
            if not on_host:
                images[start:stop].copy_(chunk[: stop - start])
    return DecodedImages(images, labels.to(device))


class CachedLoader:
    """Batches from DecodedImages in the order INDEX_LOADER (a DataLoader over indices) gives them."""

    num_workers = 0
    persistent_workers = False

    def __init__(self, decoded: DecodedImages, augment: BatchAugment, index_loader: DataLoader):
        self.decoded, self.augment, self.index_loader = decoded, augment, index_loader
        self.batch_size = index_loader.batch_size
        self.drop_last = index_loader.drop_last
        self.pin_memory = False

    @property
    def generator(self) -> torch.Generator | None:
        """The shuffling generator, saved in checkpoints like the plain loader's."""
        return self.index_loader.generator

    def __len__(self) -> int:
        return len(self.index_loader)

    def __iter__(self):
        device = self.decoded.images.device
        for indices in self.index_loader:
            indices = indices.to(device, non_blocking=True)
            images = self.decoded.images.index_select(0, indices)
            yield self.augment(images), self.decoded.labels.index_select(0, indices)
