"""RAF-DB basic in its official layout: one label file, aligned images, split by name prefix."""

from __future__ import annotations

from pathlib import Path

from fertui.data.base import FileDataset
from fertui.data.classes import RAF_CLASSES
from fertui.errors import UserError

LABEL_FILE = Path("EmoLabel") / "list_patition_label.txt"  # sic: the release spells it so
IMAGE_DIR = Path("Image") / "aligned"
SPLITS = ("train", "test")


def find_basic(root: Path) -> Path | None:
    """The ``basic`` folder: ROOT itself or ROOT/basic, whichever holds the label file."""
    for candidate in (root / "basic", root):
        if (candidate / LABEL_FILE).is_file():
            return candidate
    return None


def parse_labels(path: Path) -> list[tuple[int, str, int]]:
    """(line number, image name, raw label) for every non-blank line; malformed lines are errors."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit() or not parts[0].startswith(("train_", "test_")):
            raise UserError(
                f"{path}:{number}: expected '<train_|test_image> <label 1-7>' "
                f"such as 'train_00001.jpg 5', got {line.strip()!r}"
            )
        rows.append((number, parts[0], int(parts[1])))
    return rows


def rafdb_official(root: Path, split: str) -> FileDataset:
    if split not in SPLITS:
        raise UserError(f"{root}: RAF-DB has splits train and test, not {split!r}")
    basic = find_basic(root)
    if basic is None:
        raise UserError(f"{root}: no {Path('basic') / LABEL_FILE}; expected the RAF-DB basic release")
    label_path = basic / LABEL_FILE
    samples, problems = [], []
    for number, image, label in parse_labels(label_path):
        if not image.startswith(split + "_"):
            continue
        where = f"{label_path}:{number}"
        if not 1 <= label <= len(RAF_CLASSES):
            problems.append(f"{where}: label {label} out of range 1-{len(RAF_CLASSES)}")
            continue
        stem, dot, suffix = image.rpartition(".")
        path = basic / IMAGE_DIR / f"{stem}_aligned.{suffix}"
        if not path.is_file() and (basic / IMAGE_DIR / image).is_file():
            path = basic / IMAGE_DIR / image  # some copies drop the _aligned suffix
        if not path.is_file():
            problems.append(f"{where}: missing image {path}")
            continue
        samples.append((str(path), label - 1))
    return FileDataset(
        name="rafdb", split=split, root=root, classes=list(RAF_CLASSES), samples=samples, problems=problems
    )
