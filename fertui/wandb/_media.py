"""Media objects (``wandb.Image``, ``wandb.Table``...) and saving the ones fertui keeps.

Images become PNG files and tables JSON files under ``<run dir>/media``, each registered as an
artifact; every other kind is skipped with one warning. Nothing here may stop training.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from fertui import report
from fertui.jsonio import dumps
from fertui.wandb._values import WarnOnce, json_safe


class Media:
    """A value W&B renders as media; accepts whatever W&B's constructor accepts."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"<wandb.{type(self).__name__}>"


class Image(Media):
    def __init__(self, data_or_path: Any, mode: str | None = None, caption: str | None = None, **kwargs: Any):
        super().__init__(data_or_path, **kwargs)
        self.data = data_or_path
        self.mode = mode
        self.caption = caption


class Table(Media):
    def __init__(self, columns: Any = None, data: Any = None, rows: Any = None, dataframe: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if dataframe is not None:  # duck-typed so that pandas is never imported here
            columns, data = list(dataframe.columns), dataframe.values.tolist()
        self.data = [list(row) for row in (data if data is not None else rows or [])]
        if columns is None:
            columns = [f"c{i}" for i in range(len(self.data[0]))] if self.data else ["Input", "Output", "Expected"]
        self.columns = [str(c) for c in columns]

    def add_data(self, *row: Any) -> None:
        self.data.append(list(row))

    def add_column(self, name: str, data: Any, optional: bool = False) -> None:
        values = list(data)
        if not self.data:
            self.data = [[] for _ in values]
        for row, value in zip(self.data, values):
            row.append(value)
        self.columns.append(str(name))

    def get_column(self, name: str, convert_to: str | None = None) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.data]


class Histogram(Media):
    def __init__(self, sequence: Any = None, np_histogram: Any = None, num_bins: int = 64, **kwargs: Any):
        super().__init__(**kwargs)
        self.sequence, self.np_histogram, self.num_bins = sequence, np_histogram, num_bins


class Video(Media):
    pass


class Audio(Media):
    pass


class Html(Media):
    pass


class Object3D(Media):
    pass


class Molecule(Media):
    pass


class MediaWriter:
    """Saves the media values of one run under ``run_dir/media`` as ``<key>_<step>.<ext>``."""

    def __init__(self, warn: WarnOnce):
        self.warn = warn

    def write(self, key: str, value: Any, step: int) -> None:
        stem = f"{_safe_name(key)}_{step}"
        if isinstance(value, (list, tuple)) and any(isinstance(v, Media) for v in value):
            for i, item in enumerate(value):
                self._write_one(item, f"{stem}_{i}")
        else:
            self._write_one(value, stem)

    def _write_one(self, value: Any, stem: str) -> None:
        kind = type(value).__name__
        if not isinstance(value, (Image, Table)):
            self.warn(kind, f"skipping {kind} values (not supported)")
            return
        try:
            folder = report.run_dir() / "media"
            folder.mkdir(parents=True, exist_ok=True)
            if isinstance(value, Image):
                report.artifact(_save_image(value.data, folder, stem), kind="image")
            else:
                path = folder / f"{stem}.table.json"
                rows = [[json_safe(cell) for cell in row] for row in value.data]
                path.write_text(dumps({"columns": value.columns, "data": rows}) + "\n", encoding="utf-8")
                report.artifact(path, kind="table")
        except Exception as exc:  # a bad image must not end a long training run
            self.warn(f"{kind}-error", f"skipping {kind} values (could not save: {type(exc).__name__}: {exc})")


def _safe_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._") or "media"


def _save_image(data: Any, folder: Path, stem: str) -> Path:
    if isinstance(data, (str, os.PathLike)):
        src = Path(data)
        dest = folder / f"{stem}{src.suffix or '.png'}"
        shutil.copy2(src, dest)
        return dest
    dest = folder / f"{stem}.png"
    pil = sys.modules.get("PIL.Image")
    if pil is not None and isinstance(data, pil.Image):
        data.save(dest, format="PNG")
    elif hasattr(data, "savefig"):  # a matplotlib figure
        data.savefig(dest, format="png")
    else:
        from PIL import Image as PILImage

        PILImage.fromarray(_to_uint8(data)).save(dest, format="PNG")
    return dest


def _to_uint8(data: Any) -> Any:
    """An HxW or HxWxC uint8 array from an array or tensor (CxHxW and [0, 1] floats as W&B reads them)."""
    import numpy as np

    if hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    arr = np.asarray(data)
    if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and arr.shape[-1] not in (1, 3, 4):
        arr = arr.transpose(1, 2, 0)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3):
        raise ValueError(f"an image needs HxW or HxWxC values, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.nan_to_num(arr.astype(np.float64))
        low, high = float(arr.min()), float(arr.max())
        if low < 0:
            arr = (arr - low) / ((high - low) or 1.0)
            high = 1.0
        if high <= 1.0:
            arr = arr * 255.0
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return arr
