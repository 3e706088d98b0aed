"""build_loaders on real files: shapes, normalisation, class-balanced sampling, transform keys."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch

from fertui.data import build_loaders
from fertui.data.transforms import build_transforms
from fertui.errors import ConfigError

from .conftest import config


def test_ferplus_loaders_give_three_channel_normalised_batches(ferplus_root: Path):
    loaders = build_loaders(config("ferplus", ferplus_root, batch_size=2), seed=0)
    assert loaders.classes[0] == "Neutral" and loaders.num_classes == 8
    assert (loaders.train_size, loaders.val_size, loaders.val_split) == (4, 4, "test")
    images, targets = next(iter(loaders.val))
    assert images.shape == (2, 3, 32, 32) and images.dtype == torch.float32
    # a flat grey 90 image, normalised with mean = std = 0.5: (90/255 - 0.5) / 0.5 in every channel
    assert torch.allclose(images, torch.full_like(images, (90 / 255 - 0.5) / 0.5), atol=1e-3)
    assert targets.tolist() == [0, 1]
    assert not loaders.train.pin_memory or torch.cuda.is_available()


def test_balanced_sampler_draws_classes_evenly(imagefolder_root: Path):
    cfg = config("imagefolder", imagefolder_root, balanced_sampler=True, batch_size=3)
    loaders = build_loaders(cfg, seed=1)
    drawn: Counter = Counter()
    for _ in range(300):
        for _, targets in loaders.train:
            drawn.update(targets.tolist())
    shares = [drawn[c] / sum(drawn.values()) for c in range(3)]  # on disk: 3 cats, 2 dogs, 1 owl
    assert all(abs(s - 1 / 3) < 0.05 for s in shares), shares


def test_workers_and_persistence_follow_config(imagefolder_root: Path):
    loaders = build_loaders(config("imagefolder", imagefolder_root, num_workers=0), seed=0)
    assert loaders.train.num_workers == 0 and not loaders.train.persistent_workers
    loaders = build_loaders(config("imagefolder", imagefolder_root, num_workers=1, batch_size=2), seed=0)
    assert loaders.train.persistent_workers and len(next(iter(loaders.train))[1]) == 2


def test_train_transforms_flip_erase_and_crop_as_configured():
    tree = config("synthetic", hflip=True, random_erasing=1.0, crop_scale=0.5, color_jitter=0.3)
    image = torch.arange(32 * 32 * 3, dtype=torch.uint8).reshape(32, 32, 3).numpy()
    train, evaluate = build_transforms(tree, train=True), build_transforms(tree, train=False)
    names = [type(t).__name__ for t in train.transforms]
    assert names == [
        "ToImage",
        "RandomResizedCrop",
        "RandomHorizontalFlip",
        "ColorJitter",
        "ToDtype",
        "Normalize",
        "RandomErasing",
    ]
    assert [type(t).__name__ for t in evaluate.transforms] == ["ToImage", "Resize", "ToDtype", "Normalize"]
    assert train(image).shape == evaluate(image).shape == (3, 32, 32)
    with pytest.raises(ConfigError, match=r"data\.mean: expected 3 numbers"):
        build_transforms(config("synthetic", mean=[0.5]), train=False)
