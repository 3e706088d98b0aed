"""Data sets as plain sequences of (image, label): no torch here, so `fertui data check` stays light.

File-backed sets return PIL RGB images (grayscale sources become 3 channels); the synthetic set
returns HxWx3 uint8 arrays. ``problems`` lists what was wrong with the listing (missing files,
labels out of range), each naming the file and line; those samples are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fertui.errors import UserError

if TYPE_CHECKING:  # numpy only where arrays are used: queue-time data checks stay light
    import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


def read_image(path: str | Path):
    """PATH decoded as an RGB PIL image, or a UserError naming the file."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            return img.convert("RGB")
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise UserError(f"{path}: unreadable image ({exc})") from None


@dataclass
class FileDataset:
    name: str
    split: str
    root: Path
    classes: list[str]
    samples: list[tuple[str, int]]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # harmless facts, e.g. "dropped 12 ties"

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, label = self.samples[index]
        return read_image(path), label

    @property
    def targets(self) -> list[int]:
        return [label for _, label in self.samples]

    def class_counts(self) -> dict[str, int]:
        counts = Counter(self.targets)
        return {name: counts.get(i, 0) for i, name in enumerate(self.classes)}


@dataclass
class ArrayDataset:
    name: str
    split: str
    classes: list[str]
    images: np.ndarray  # N x H x W x 3, uint8
    labels: np.ndarray  # N, int64
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.images[index], int(self.labels[index])

    @property
    def targets(self) -> list[int]:
        return self.labels.tolist()

    @property
    def samples(self) -> list[tuple[str, int]]:
        return [(f"{self.name}:{self.split}:{i}", int(y)) for i, y in enumerate(self.labels)]

    def class_counts(self) -> dict[str, int]:
        import numpy as np

        counts = np.bincount(self.labels, minlength=len(self.classes))
        return {name: int(counts[i]) for i, name in enumerate(self.classes)}


def image_files(folder: Path) -> list[Path]:
    """Image files directly inside FOLDER, sorted by name (hidden files skipped)."""
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )
