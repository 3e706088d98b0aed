"""Per-image predictions at the best and the last validation, one byte per image, so the
manager can measure the test set's own sampling noise (paired bootstrap, McNemar) after the run.

``predictions/`` in the run folder: ``targets.u8`` (true class per validation image, loader
order), ``best.u8`` and ``last.u8`` (predicted class), and ``index.json`` with the epochs they
come from. Each file is replaced atomically, the index last, so a reader never pairs a new
prediction file with an old epoch number. Stdlib-readable: the manager needs no numpy for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from fertui.atomicio import atomic_file, atomic_write_text

FOLDER = "predictions"
INDEX = "index.json"
MAX_CLASSES = 256  # one byte per prediction


def save_predictions(
    run_dir: Path, epoch: int, predicted: bytes, targets: bytes, num_classes: int, improved: bool
) -> None:
    """Write this validation's predictions as ``last`` (and ``best`` when it IMPROVED); the
    caller skips models with more than MAX_CLASSES classes, which a byte cannot hold."""
    folder = Path(run_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / INDEX
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):
        index = {}
    if not (folder / "targets.u8").is_file() or index.get("images") != len(targets):
        _write(folder / "targets.u8", targets)
    names = ["last"] + (["best"] if improved else [])
    for name in names:
        _write(folder / f"{name}.u8", predicted)
        index[name] = {"epoch": epoch}
    index.update(images=len(targets), classes=num_classes, order="validation loader order")
    atomic_write_text(index_path, json.dumps(index))


def _write(path: Path, data: bytes) -> None:
    with atomic_file(path, "wb") as fh:
        fh.write(data)
