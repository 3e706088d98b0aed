"""Tiny on-disk data sets in each real layout, built fresh per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from fertui.config.loader import validate_tree

RAF_TRAIN_PER_CLASS = 2
RAF_TEST_PER_CLASS = 1


def save_image(path: Path, size: tuple[int, int] = (40, 40), value: int = 120, mode: str = "RGB") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    colour = (value, 255 - value, value // 2) if mode == "RGB" else value
    Image.new(mode, size, colour).save(path)
    return path


def config(name: str, root: Path | str = "", **data) -> dict:
    """A resolved nested config dict, as the trainer passes it."""
    return validate_tree(
        "test.toml", {"data": {"name": name, "root": str(root), **data}, "model": {"input_size": 32}}
    ).data


@pytest.fixture
def rafdb_root(tmp_path: Path) -> Path:
    """RAF-DB basic: label k (1..7) has 2 train and 1 test image; train_00001 has label 1."""
    basic = tmp_path / "RAF" / "basic"
    lines, n_train, n_test = [], 0, 0
    for label in range(1, 8):
        for _ in range(RAF_TRAIN_PER_CLASS):
            n_train += 1
            lines.append(f"train_{n_train:05d}.jpg {label}")
            save_image(basic / "Image" / "aligned" / f"train_{n_train:05d}_aligned.jpg", (100, 100), 20 * label)
        for _ in range(RAF_TEST_PER_CLASS):
            n_test += 1
            lines.append(f"test_{n_test:04d}.jpg {label}")
            save_image(basic / "Image" / "aligned" / f"test_{n_test:04d}_aligned.jpg", (100, 100), 20 * label)
    (basic / "EmoLabel").mkdir(parents=True)
    (basic / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines) + "\n")
    return tmp_path / "RAF"


@pytest.fixture
def rafdb_folder_root(tmp_path: Path) -> Path:
    """RAF-DB as class folders: train/ by digit (1..7), test/ by emotion name."""
    root = tmp_path / "raf_folders"
    for label in range(1, 8):
        for i in range(label):  # label k has k train images, so counts identify the mapping
            save_image(root / "train" / str(label) / f"{i}.jpg")
    for name in ("surprise", "fear", "disgust", "happy", "sad", "angry", "neutral"):
        save_image(root / "test" / name / "a.png")
    return root


FERPLUS_ROWS = [
    # image, neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF
    ("fer0000000.png", [4, 0, 0, 1, 3, 2, 0, 0, 0, 0]),  # Neutral
    ("fer0000001.png", [0, 10, 0, 0, 0, 0, 0, 0, 0, 0]),  # Happiness
    ("fer0000002.png", [0, 0, 6, 0, 0, 0, 4, 0, 0, 0]),  # Surprise
    ("fer0000003.png", [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]),  # not a face: dropped
    ("fer0000004.png", [1, 0, 0, 0, 0, 0, 0, 0, 9, 0]),  # unknown: dropped
    ("fer0000005.png", [5, 5, 0, 0, 0, 0, 0, 0, 0, 0]),  # tie: dropped
    ("fer0000006.png", [0, 0, 0, 0, 0, 0, 2, 7, 1, 0]),  # Contempt
]


@pytest.fixture
def ferplus_root(tmp_path: Path) -> Path:
    """FERPlus: grayscale 48x48 PNGs beside label.csv in FER2013Train/Valid/Test."""
    root = tmp_path / "ferplus"
    for split in ("FER2013Train", "FER2013Valid", "FER2013Test"):
        rows = []
        for image, votes in FERPLUS_ROWS:
            save_image(root / split / image, (48, 48), 90, mode="L")
            rows.append(f'{image},"(0, 0, 48, 48)",' + ",".join(map(str, votes)))
        (root / split / "label.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture
def affectnet_root(tmp_path: Path) -> Path:
    """AffectNet folders 0..7 under train/ and val/ (val is the test set); class k has k + 1 images."""
    root = tmp_path / "affectnet"
    for label in range(8):
        for i in range(label + 1):
            save_image(root / "train" / str(label) / f"{i}.jpg", (64, 64))
        save_image(root / "val" / str(label) / "v.jpg", (64, 64))
    return root


@pytest.fixture
def imagefolder_root(tmp_path: Path) -> Path:
    root = tmp_path / "folders"
    for cls, n in (("cat", 3), ("dog", 2), ("owl", 1)):
        for i in range(n):
            save_image(root / "train" / cls / f"{i}.png", (24, 30))
        save_image(root / "valid" / cls / "v.png", (24, 30))
    return root
