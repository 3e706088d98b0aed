"""``build_loaders``: the trainer's one entry point into the data sets.

Per-image PIL decoding and torchvision v2 transforms in DataLoader workers, or with
``data.cache`` one decoded uint8 tensor cut into batches (fertui/data/cache.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from fertui.data.batch_augment import BatchAugment
from fertui.data.registry import open_dataset, sections
from fertui.data.transforms import build_transforms, normalisation_stats
from fertui.data.workers import resolve_workers
from fertui.errors import ConfigError, UserError

if TYPE_CHECKING:
    from fertui.data.cache import CachedLoader


class TransformedDataset(Dataset):
    """(image, label) from a plain data set, with the image passed through TRANSFORM."""

    def __init__(self, dataset, transform):
        self.dataset, self.transform = dataset, transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        image, label = self.dataset[index]
        return self.transform(image), label


@dataclass
class Loaders:
    train: DataLoader | CachedLoader
    val: DataLoader | CachedLoader
    classes: list[str]
    num_classes: int
    train_size: int
    val_size: int
    name: str = ""
    val_split: str = ""  # which split the val loader reads (test for RAF-DB and FERPlus)
    notes: list[str] = field(default_factory=list)


def _usable(dataset) -> None:
    """Refuse to train on a listing with problems: they would surface mid-epoch or bias results."""
    if dataset.problems:
        n = len(dataset.problems)
        raise UserError(
            f"{dataset.problems[0]} ({n} problem{'s' if n > 1 else ''} in the {dataset.split} split; "
            "`fertui data check CONFIG` lists them all)"
        )
    if len(dataset) == 0:
        raise UserError(f"{getattr(dataset, 'root', dataset.name)}: the {dataset.split} split has no images")


def balanced_sampler(targets: list[int], generator: torch.Generator) -> WeightedRandomSampler:
    """Draws every class equally often: each sample weighs 1 / (images in its class)."""
    counts = Counter(targets)
    weights = torch.tensor([1.0 / counts[t] for t in targets], dtype=torch.double)
    return WeightedRandomSampler(weights, num_samples=len(targets), replacement=True, generator=generator)


def build_loaders(config: Any, seed: int = 0, base: str | Path | None = None) -> Loaders:
    """Train and val loaders for CONFIG (a resolved nested config dict or RunConfig)."""
    tree, source = sections(config)
    data = tree["data"]
    train_set, val_set = open_dataset(config, "train", base), open_dataset(config, "val", base)
    for dataset in (train_set, val_set):
        _usable(dataset)
    if train_set.classes != val_set.classes:
        raise UserError(
            f"{data['root']}: the {val_set.split} split's classes {val_set.classes} "
            f"differ from train's {train_set.classes}"
        )

    generator = torch.Generator().manual_seed(seed)
    sampler = balanced_sampler(train_set.targets, generator) if data["balanced_sampler"] else None
    order = dict(
        shuffle=sampler is None, sampler=sampler, generator=generator, drop_last=len(train_set) > data["batch_size"]
    )  # a batch of 1 breaks BatchNorm
    notes = [*train_set.notes, *val_set.notes]
    if data["cache"] != "none":
        train, val = _cached_loaders(tree, source, train_set, val_set, order, notes)
    else:
        workers = resolve_workers(data["num_workers"], trains_on_gpu(tree))
        common = dict(
            batch_size=data["batch_size"],
            num_workers=workers,
            pin_memory=bool(data["pin_memory"] and torch.cuda.is_available()),
            persistent_workers=bool(data["persistent_workers"] and workers > 0),
        )
        train = DataLoader(TransformedDataset(train_set, build_transforms(tree, True, source)), **order, **common)
        val = DataLoader(TransformedDataset(val_set, build_transforms(tree, False, source)), shuffle=False, **common)
    return Loaders(
        train=train,
        val=val,
        classes=list(train_set.classes),
        num_classes=len(train_set.classes),
        train_size=len(train_set),
        val_size=len(val_set),
        name=data["name"],
        val_split=val_set.split,
        notes=notes,
    )


def trains_on_gpu(tree: dict[str, dict[str, Any]]) -> bool:
    """Whether the trainer will pick CUDA for this config (train.device "auto" or "cuda" with a GPU)."""
    return tree.get("train", {}).get("device", "auto") != "cpu" and torch.cuda.is_available()


def cache_device(tree: dict[str, dict[str, Any]], source: str) -> torch.device:
    """Host memory for data.cache = "ram", the training GPU for "gpu" (an error without one)."""
    if tree["data"]["cache"] == "ram":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError(
            source, "data.cache", '"gpu" needs a CUDA GPU and this machine has none; expected "ram" or "none" here'
        )
    if tree.get("train", {}).get("device") == "cpu":
        raise ConfigError(source, "data.cache", '"gpu" with train.device = "cpu"; expected "ram" or "none"')
    return torch.device("cuda")


def _cached_loaders(tree, source: str, train_set, val_set, order: dict[str, Any], notes: list[str]):
    from fertui.data.cache import CachedLoader, decode_all, image_sizes, stored_size

    data = tree["data"]
    device = cache_device(tree, source)
    input_size = int(tree["model"]["input_size"])
    mean, std = normalisation_stats(source, data)
    loaders = []
    for dataset, train in ((train_set, True), (val_set, False)):
        random_crop = train and data.get("crop_scale", 1.0) < 1.0
        sizes = image_sizes(dataset)
        size = stored_size(sizes, input_size, random_crop)
        if random_crop and len(sizes) > 1:
            notes.append(
                f"data.cache: the {dataset.split} images differ in size, so they were resized to "
                f"{input_size} px once before random cropping"
            )
        decoded = decode_all(dataset, size, device)
        indices = DataLoader(
            range(len(dataset)), batch_size=data["batch_size"], **(order if train else dict(shuffle=False))
        )
        loaders.append(CachedLoader(decoded, BatchAugment(data, input_size, train, mean, std), indices))
    return loaders
