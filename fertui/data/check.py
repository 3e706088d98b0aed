"""``fertui data check``: what a data set holds per split, and what is wrong with it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from fertui.data.base import FileDataset
from fertui.data.registry import data_root, dataset_splits, eval_split, layout, open_dataset, sections


def check_dataset(config: Any, base: str | Path | None = None) -> dict[str, Any]:
    """Per split: image count, per-class counts, image sizes and modes seen, problems found.

    Every image is decoded, so unreadable files show up here rather than mid-training.
    """
    tree, _ = sections(config)
    name = tree["data"]["name"]
    root = None if name == "synthetic" else data_root(config, base)
    val_name = eval_split(config, base)
    report: dict[str, Any] = {
        "dataset": name,
        "root": str(root) if root else None,
        "layout": layout(config, root) if root else "generated",
        "classes": [],
        "splits": [],
        "problems": 0,
    }
    for split in dataset_splits(config, base):
        dataset = open_dataset(config, split, base)
        report["classes"] = list(dataset.classes)
        sizes, modes, problems = _scan_images(dataset)
        report["splits"].append(
            {
                "split": dataset.split,
                "role": "train" if dataset.split == "train" else "val" if dataset.split == val_name else "",
                "images": len(dataset),
                "counts": dataset.class_counts(),
                "sizes": {f"{w}x{h}": n for (w, h), n in sizes.most_common()},
                "modes": dict(modes.most_common()),
                "problems": [*dataset.problems, *problems],
                "notes": list(dataset.notes),
            }
        )
        report["problems"] += len(dataset.problems) + len(problems)
    return report


def _scan_images(dataset) -> tuple[Counter, Counter, list[str]]:
    sizes: Counter = Counter()
    modes: Counter = Counter()
    problems: list[str] = []
    if not isinstance(dataset, FileDataset):  # drawn images: one array, one size
        _, h, w, _ = dataset.images.shape
        sizes[(w, h)] = len(dataset)
        modes["RGB"] = len(dataset)
        return sizes, modes, problems
    from PIL import Image, UnidentifiedImageError

    for path, _ in dataset.samples:
        try:
            with Image.open(path) as img:
                img.load()  # decode fully: a truncated JPEG opens fine but fails here
                sizes[img.size] += 1
                modes[img.mode] += 1
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
            problems.append(f"{path}: unreadable image ({exc})")
    return sizes, modes, problems
