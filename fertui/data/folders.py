"""Folder layouts: ``<root>/<split>/<class>/<image>`` for RAF-DB, AffectNet, FERPlus and any ImageFolder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fertui.data.base import FileDataset, image_files
from fertui.data.classes import same_emotion
from fertui.errors import UserError

EVAL_SPLITS = ("test", "valid", "val", "validation")  # the first one present is the evaluation split
# Maps a class folder name to its label, or None to leave the folder out (AffectNet-7 contempt).
LabelOf = Callable[[Path], "int | None"]


def split_folders(root: Path) -> list[str]:
    """Split folders present under ROOT: train first, then evaluation splits."""
    return [name for name in ("train", *EVAL_SPLITS) if (root / name).is_dir()]


def resolve_split(root: Path, split: str) -> str:
    """The folder name for SPLIT: ``val`` means the first of test|valid|val|validation present."""
    present = split_folders(root)
    if split == "val":
        for name in EVAL_SPLITS:
            if name in present:
                return name
        raise UserError(f"{root}: no evaluation split; expected one of {', '.join(f'{n}/' for n in EVAL_SPLITS)}")
    if split not in present:
        raise UserError(f"{root / split}: no such split folder; found {', '.join(present) or 'none'}")
    return split


def scan_split(name: str, root: Path, split: str, classes: list[str], label_of: LabelOf) -> FileDataset:
    folder = root / resolve_split(root, split)
    class_dirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise UserError(f"{folder}: no class folders; expected {folder}/<class>/<image>")
    samples: list[tuple[str, int]] = []
    notes: list[str] = []
    for class_dir in class_dirs:
        label = label_of(class_dir)
        files = image_files(class_dir)
        if label is None:
            notes.append(f"{class_dir}: left out ({len(files)} images)")
            continue
        samples += [(str(p), label) for p in files]
    return FileDataset(name=name, split=folder.name, root=root, classes=list(classes), samples=samples, notes=notes)


def known_classes(classes: list[str], first_digit: int, keep: int | None = None) -> LabelOf:
    """Folder names as digits (``first_digit`` = label 0) or emotion names; labels >= KEEP are left out."""
    keep = len(classes) if keep is None else keep
    expected = f"{first_digit}..{first_digit + len(classes) - 1} or one of {', '.join(classes)}"

    def label_of(class_dir: Path) -> int | None:
        name = class_dir.name
        if name.isdigit() and 0 <= int(name) - first_digit < len(classes):
            label = int(name) - first_digit
        else:
            matches = [i for i, c in enumerate(classes) if same_emotion(name, c)]
            if not matches:
                raise UserError(f"{class_dir}: unknown class folder {name!r}; expected {expected}")
            label = matches[0]
        return label if label < keep else None

    return label_of


def imagefolder(root: Path, split: str) -> FileDataset:
    """Generic ImageFolder: classes are train/'s subfolders in sorted order; other splits must match."""
    train = root / "train"
    if not train.is_dir():
        raise UserError(f"{root}: no train/ folder; expected {root}/train/<class>/<image>")
    classes = sorted(p.name for p in train.iterdir() if p.is_dir() and not p.name.startswith("."))

    def label_of(class_dir: Path) -> int:
        if class_dir.name not in classes:
            raise UserError(f"{class_dir}: unknown class {class_dir.name!r}; train/ has {', '.join(classes)}")
        return classes.index(class_dir.name)

    return scan_split("imagefolder", root, split, classes, label_of)
