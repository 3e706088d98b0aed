"""data.cache = "ram": the plain loader's batches from one decoded uint8 tensor, in the RAM predicted."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from fertui.config.loader import validate_tree
from fertui.data import build_loaders
from fertui.data.cache import CachedLoader, cache_bytes
from fertui.errors import ConfigError

from .conftest import config


def noise_folder(root: Path, per_class: int, size: tuple[int, int] = (40, 40), fmt: str = "png") -> Path:
    """Class folders of random-noise images: every pixel differs, so a flip or an off-by-one shows."""
    rng = np.random.default_rng(0)
    for split, n in (("train", per_class), ("val", 2)):
        for cls in ("a", "b", "c"):
            (root / split / cls).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(root / split / cls / f"{i}.{fmt}")
    return root


def batches(loader, epochs: int = 1):
    return [(images.clone(), labels.clone()) for _ in range(epochs) for images, labels in loader]


def test_eval_batches_equal_the_plain_loaders(tmp_path: Path):
    root = noise_folder(tmp_path / "noise", 5)
    plain = build_loaders(config("imagefolder", root, batch_size=4), seed=0)
    cached = build_loaders(config("imagefolder", root, batch_size=4, cache="ram"), seed=0)
    assert isinstance(cached.val, CachedLoader) and cached.val_size == plain.val_size == 6
    for (a, ya), (b, yb) in zip(batches(plain.val), batches(cached.val), strict=True):
        assert torch.equal(ya, yb)
        assert a.shape == b.shape == (a.shape[0], 3, 32, 32)  # resized 40 -> 32 px as v2.Resize does
        assert torch.allclose(a, b, atol=1e-6)


def test_train_batches_follow_the_plain_loaders_order_for_the_same_seed(tmp_path: Path):
    root = noise_folder(tmp_path / "noise", 7)
    for balanced in (False, True):
        keys = dict(batch_size=4, hflip=False, balanced_sampler=balanced)
        plain = build_loaders(config("imagefolder", root, **keys), seed=3)
        cached = build_loaders(config("imagefolder", root, cache="ram", **keys), seed=3)
        assert len(plain.train) == len(cached.train) == 5  # 21 images, the last part-batch dropped
        for (a, ya), (b, yb) in zip(batches(plain.train, 2), batches(cached.train, 2), strict=True):
            assert torch.equal(ya, yb) and torch.allclose(a, b, atol=1e-6)
    other = build_loaders(config("imagefolder", root, cache="ram", batch_size=4), seed=4)
    assert [y.tolist() for _, y in batches(other.train)] != [y.tolist() for _, y in batches(cached.train)]


def test_flipped_batches_hold_each_plain_image_or_its_mirror(tmp_path: Path):
    root = noise_folder(tmp_path / "noise", 8)
    plain = build_loaders(config("imagefolder", root, batch_size=6, hflip=False), seed=1)
    cached = build_loaders(config("imagefolder", root, batch_size=6, hflip=True, cache="ram"), seed=1)
    flipped = kept = 0
    for (a, ya), (b, yb) in zip(batches(plain.train, 10), batches(cached.train, 10), strict=True):
        assert torch.equal(ya, yb)
        for same, mirror in zip(
            torch.isclose(a, b, atol=1e-6).flatten(1).all(1), torch.isclose(a.flip(-1), b, atol=1e-6).flatten(1).all(1)
        ):
            assert same or mirror
            flipped, kept = flipped + int(mirror), kept + int(same)
    assert flipped + kept == 240 and 0.38 < flipped / 240 < 0.62  # 1 in 2, within ~3.5 sd


def test_erasing_crop_and_jitter_act_per_image(tmp_path: Path):
    root = noise_folder(tmp_path / "noise", 8)
    keys = dict(batch_size=24, hflip=False, random_erasing=1.0, crop_scale=0.5, color_jitter=0.4)
    images, _ = next(iter(build_loaders(config("imagefolder", root, cache="ram", **keys), seed=0).train))
    assert images.shape == (24, 3, 32, 32) and torch.isfinite(images).all()
    # mean = std = 0.5 maps no 8-bit value to exactly 0, so exact zeros are the erased boxes
    erased = (images == 0).all(dim=1).flatten(1).float().mean(1)
    assert (erased > 0).float().mean() > 0.6  # v2 skips a box that does not fit; most fit
    # area 2-33 % of the image, then each side rounded to whole pixels: on 32 px the boxes
    # that fit cover 16 to 352 pixels (1.56-34.4 %), found by trying every area and ratio
    assert erased.max() <= 352 / 1024 and erased[erased > 0].min() >= 16 / 1024
    plain, _ = next(iter(build_loaders(config("imagefolder", root, batch_size=24, hflip=False), seed=0).train))
    assert not torch.allclose(plain, images, atol=0.05)  # cropping and jitter changed the pixels


def rss_bytes() -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE).group(1)) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from Linux /proc")
def test_ram_cache_takes_the_memory_predicted(tmp_path: Path):
    root = noise_folder(tmp_path / "faces", 100, size=(100, 100), fmt="jpg")  # RAF-DB-shaped JPEGs
    cfg = validate_tree(
        "t.toml", {"data": {"name": "imagefolder", "root": str(root), "cache": "ram"}, "model": {"input_size": 224}}
    ).data
    predicted = cache_bytes(300, 224, 224) + cache_bytes(6, 224, 224)  # stored at the input size
    before = rss_bytes()
    loaders = build_loaders(cfg, seed=0)
    grown = rss_bytes() - before
    assert loaders.train.decoded.nbytes + loaders.val.decoded.nbytes == predicted
    assert predicted > 45e6
    assert 0.97 * predicted < grown < 1.03 * predicted + 12e6, (grown, predicted)


def test_crop_keeps_the_full_size_image_and_says_when_sizes_differ(tmp_path: Path):
    root = noise_folder(tmp_path / "noise", 3)
    loaders = build_loaders(config("imagefolder", root, cache="ram", crop_scale=0.6), seed=0)
    assert loaders.train.decoded.images.shape[-2:] == (40, 40) and loaders.val.decoded.images.shape[-2:] == (32, 32)
    Image.fromarray(np.zeros((50, 60, 3), np.uint8)).save(root / "train" / "a" / "wide.png")
    loaders = build_loaders(config("imagefolder", root, cache="ram", crop_scale=0.6), seed=0)
    assert loaders.train.decoded.images.shape[-2:] == (32, 32)
    assert any("resized to 32 px once before random cropping" in note for note in loaders.notes)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_gpu_cache_without_a_gpu_is_a_one_line_config_error():
    with pytest.raises(ConfigError, match=r'^config: data\.cache: "gpu" needs a CUDA GPU'):
        build_loaders(config("synthetic", cache="gpu", synthetic_train=14, synthetic_test=7), seed=0)


def test_bad_cache_and_worker_values_name_the_key():
    with pytest.raises(ConfigError, match=r"data\.cache: expected one of 'none', 'ram', 'gpu', got 'disk'"):
        config("synthetic", cache="disk")
    with pytest.raises(ConfigError, match=r"data\.num_workers: expected \"auto\" or an integer, got 'many'"):
        config("synthetic", num_workers="many")
    with pytest.raises(ConfigError, match=r"data\.num_workers: expected an integer >= 0, got -1"):
        config("synthetic", num_workers=-1)
