"""The synthetic expression set is deterministic, learnable by a tiny CNN, and not a colour trick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from fertui.data import RAF_CLASSES, build_loaders, open_dataset
from fertui.data.faces import draw_set
from fertui.data.synthetic import synthetic_dataset

from .conftest import config


def test_same_seed_same_images_and_image_i_independent_of_set_size():
    a_images, a_labels = draw_set(seed=3, split_id=0, count=14, size=48)
    b_images, _ = draw_set(seed=3, split_id=0, count=21, size=48)
    c_images, _ = draw_set(seed=4, split_id=0, count=14, size=48)
    assert np.array_equal(a_images, b_images[:14])
    assert not np.array_equal(a_images, c_images)
    assert a_labels.tolist() == [i % 7 for i in range(14)]
    assert a_images.shape == (14, 48, 48, 3) and a_images.dtype == np.uint8


def test_train_and_test_images_differ_and_classes_are_raf_order():
    cfg = config("synthetic", synthetic_train=14, synthetic_test=14)
    train, test = open_dataset(cfg, "train"), open_dataset(cfg, "val")
    assert train.classes == RAF_CLASSES and test.split == "test"
    assert not np.array_equal(train.images, test.images)


def test_cache_is_written_once_and_reused(tmp_path: Path):
    first = synthetic_dataset("train", 21, 40, seed=1, cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("synthetic-") and files[0].suffix == ".npz"
    with np.load(files[0]) as cached:
        cached["images"][...]  # a complete, loadable archive (written via temp file + rename)
    stamp = files[0].stat().st_mtime_ns
    second = synthetic_dataset("train", 21, 40, seed=1, cache_dir=tmp_path)
    assert np.array_equal(first.images, second.images) and files[0].stat().st_mtime_ns == stamp
    files[0].write_bytes(b"garbage")  # a damaged cache is redrawn, not trusted
    assert np.array_equal(synthetic_dataset("train", 21, 40, seed=1, cache_dir=tmp_path).images, first.images)


@pytest.fixture(scope="module")
def quickstart_like() -> dict:
    cfg = config("synthetic", synthetic_train=1400, synthetic_test=350, batch_size=32)
    cfg["model"]["input_size"] = 48
    return cfg


def test_mean_colour_does_not_separate_classes(quickstart_like):
    train, test = open_dataset(quickstart_like, "train"), open_dataset(quickstart_like, "val")

    def mean_rgb(ds):
        return ds.images.reshape(len(ds), -1, 3).mean(axis=1)

    train_rgb, test_rgb = mean_rgb(train), mean_rgb(test)
    centres = np.stack([train_rgb[train.labels == c].mean(axis=0) for c in range(7)])
    nearest = ((test_rgb[:, None, :] - centres[None]) ** 2).sum(-1).argmin(axis=1)
    accuracy = (nearest == test.labels).mean()
    assert accuracy < 0.30, f"nearest class mean on mean RGB reached {accuracy:.1%} (chance 14.3%)"


def _tiny_cnn() -> nn.Module:
    def block(c_in: int, c_out: int) -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)
        )

    return nn.Sequential(
        block(3, 16),
        block(16, 32),
        block(32, 64),
        block(64, 64),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 7),
    )


@pytest.mark.timeout(240)
def test_tiny_cnn_beats_chance_by_a_wide_margin(quickstart_like):
    torch.manual_seed(0)
    loaders = build_loaders(quickstart_like, seed=0)
    assert (loaders.num_classes, loaders.train_size, loaders.val_size) == (7, 1400, 350)
    model, epochs = _tiny_cnn(), 6
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, 5e-3, total_steps=epochs * len(loaders.train))
    for _ in range(epochs):
        model.train()
        for images, targets in loaders.train:
            loss = nn.functional.cross_entropy(model(images), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, targets in loaders.val:
            correct += (model(images).argmax(1) == targets).sum().item()
    accuracy = correct / loaders.val_size
    assert accuracy > 0.50, f"val accuracy {accuracy:.1%} after {epochs} epochs (chance 14.3%)"
