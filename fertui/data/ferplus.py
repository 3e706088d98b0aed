"""FERPlus: FER2013{Train,Valid,Test}/label.csv vote files, labelled by majority vote."""

from __future__ import annotations

import csv
from pathlib import Path

from fertui.data.base import FileDataset
from fertui.data.classes import FERPLUS_CLASSES, FERPLUS_VOTES
from fertui.errors import UserError

SPLIT_DIRS = {"train": "FER2013Train", "valid": "FER2013Valid", "test": "FER2013Test"}


def ferplus_splits(root: Path) -> list[str]:
    return [s for s, d in SPLIT_DIRS.items() if (root / d / "label.csv").is_file()]


def majority(votes: list[int]) -> int | None:
    """The class with the most votes; None for ties, no votes, or an unknown / not-a-face majority."""
    top = max(votes)
    winners = [i for i, v in enumerate(votes) if v == top]
    if top <= 0 or len(winners) > 1 or winners[0] >= len(FERPLUS_CLASSES):
        return None
    return winners[0]


def ferplus(root: Path, split: str) -> FileDataset:
    if split not in SPLIT_DIRS:
        raise UserError(f"{root}: FERPlus has splits {', '.join(SPLIT_DIRS)}, not {split!r}")
    folder = root / SPLIT_DIRS[split]
    label_path = folder / "label.csv"
    if not label_path.is_file():
        raise UserError(
            f"{label_path}: not found; expected FERPlus FER2013Train/, FER2013Valid/, FER2013Test/ "
            "folders each with label.csv"
        )
    samples, problems = [], []
    dropped = {"unknown/NF or tied majority": 0}
    try:
        with open(label_path, newline="", encoding="utf-8-sig") as fh:
            for number, row in enumerate(csv.reader(fh), 1):
                if not row or not "".join(row).strip():
                    continue
                if number == 1 and not row[-1].strip().isdigit():
                    continue  # a header line
                image, votes = _parse_row(label_path, number, row)
                path = folder / image
                label = majority(votes)
                if label is None:
                    dropped["unknown/NF or tied majority"] += 1
                elif not path.is_file():
                    problems.append(f"{label_path}:{number}: missing image {path}")
                else:
                    samples.append((str(path), label))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{label_path}: cannot read ({exc})") from None
    notes = [f"dropped {n} images with {why}" for why, n in dropped.items() if n]
    return FileDataset(
        name="ferplus",
        split=split,
        root=root,
        classes=list(FERPLUS_CLASSES),
        samples=samples,
        problems=problems,
        notes=notes,
    )


def _parse_row(path: Path, number: int, row: list[str]) -> tuple[str, list[int]]:
    expected = f"expected 'image,box,{','.join(v.lower() for v in FERPLUS_VOTES)}' (12 columns)"
    if len(row) != 2 + len(FERPLUS_VOTES) or not row[0].strip():
        raise UserError(f"{path}:{number}: {expected}, got {len(row)} columns")
    try:
        votes = [int(v) for v in row[2:]]
    except ValueError:
        raise UserError(f"{path}:{number}: {expected}; vote counts must be integers, got {row[2:]}") from None
    if min(votes) < 0:
        raise UserError(f"{path}:{number}: vote counts must be >= 0, got {votes}")
    return row[0].strip(), votes
