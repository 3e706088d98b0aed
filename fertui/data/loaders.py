"""``build_loaders``: the trainer's one entry point into the data sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, WeightedRandomSampler

from fertui.data.registry import open_dataset, sections
from fertui.data.transforms import build_transforms
from fertui.errors import UserError


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
    train: DataLoader
    val: DataLoader
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
        raise UserError(f"{dataset.problems[0]} ({n} problem{'s' if n > 1 else ''} in the {dataset.split} split; "
                        "`fertui data check CONFIG` lists them all)")
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
        raise UserError(f"{data['root']}: the {val_set.split} split's classes {val_set.classes} "
                        f"differ from train's {train_set.classes}")

    generator = torch.Generator().manual_seed(seed)
    workers = data["num_workers"]
    common = dict(batch_size=data["batch_size"], num_workers=workers,
                  pin_memory=bool(data["pin_memory"] and torch.cuda.is_available()),
                  persistent_workers=bool(data["persistent_workers"] and workers > 0))
    sampler = balanced_sampler(train_set.targets, generator) if data["balanced_sampler"] else None
    train = DataLoader(TransformedDataset(train_set, build_transforms(tree, True, source)),
                       shuffle=sampler is None, sampler=sampler, generator=generator,
                       drop_last=len(train_set) > data["batch_size"],  # a batch of 1 breaks BatchNorm
                       **common)
    val = DataLoader(TransformedDataset(val_set, build_transforms(tree, False, source)), shuffle=False, **common)
    return Loaders(train=train, val=val, classes=list(train_set.classes), num_classes=len(train_set.classes),
                   train_size=len(train_set), val_size=len(val_set), name=data["name"], val_split=val_set.split,
                   notes=[*train_set.notes, *val_set.notes])
