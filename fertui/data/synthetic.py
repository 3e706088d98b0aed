"""The built-in synthetic expression set: drawn on the fly, optionally cached as one .npz per set."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from fertui.atomicio import atomic_file
from fertui.data.base import ArrayDataset
from fertui.data.faces import CLASSES, draw_set

GENERATOR_VERSION = 3  # bump when faces.py draws differently, so old caches are not reused
SPLIT_IDS = {"train": 0, "test": 1}


def native_size(input_size: int) -> int:
    """Draw at the model's input size, but at most 112 px: larger inputs are resized up."""
    return max(32, min(int(input_size), 112))


def synthetic_dataset(split: str, count: int, size: int, seed: int = 0, cache_dir: Path | None = None) -> ArrayDataset:
    key = f"v{GENERATOR_VERSION}-seed{seed}-{split}-{count}-{size}px"
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    cache = Path(cache_dir) / f"synthetic-{digest}.npz" if cache_dir else None
    arrays = _read_cache(cache) if cache else None
    if arrays is None:
        arrays = draw_set(seed, SPLIT_IDS[split], count, size)
        if cache:
            _write_cache(cache, *arrays)
    images, labels = arrays
    return ArrayDataset(name="synthetic", split=split, classes=list(CLASSES), images=images, labels=labels)


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        with np.load(path) as data:
            return data["images"], data["labels"]
    except (OSError, KeyError, ValueError):  # absent or damaged: draw again
        return None


def _write_cache(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Written atomically, so a concurrent reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, "wb") as fh:
            np.savez(fh, images=images, labels=labels)
    except OSError:  # a read-only or full disk only costs the next run a redraw
        pass
