"""Data sets for FER: synthetic expressions, RAF-DB, FERPlus, AffectNet and any ImageFolder.

``build_loaders`` (imports torch) is loaded on first use, so ``fertui data check`` and the
rest of the manager can use ``open_dataset`` without paying for torch.
"""

from __future__ import annotations

from typing import Any

from fertui.data.classes import AFFECTNET_CLASSES, FERPLUS_CLASSES, RAF_CLASSES
from fertui.data.registry import dataset_splits, open_dataset

__all__ = [
    "build_loaders",
    "Loaders",
    "open_dataset",
    "dataset_splits",
    "RAF_CLASSES",
    "FERPLUS_CLASSES",
    "AFFECTNET_CLASSES",
]


def __getattr__(name: str) -> Any:
    if name in ("build_loaders", "Loaders"):
        from fertui.data import loaders

        return getattr(loaders, name)
    raise AttributeError(f"module 'fertui.data' has no attribute {name!r}")
