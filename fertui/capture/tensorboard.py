"""TensorBoard event files under a run folder, tailed into log events as the job writes them."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from fertui.capture import next_scan_delay

EVENT_FILE_PREFIX = "events.out.tfevents."
MISSING = "tensorboard is not installed (pip install tensorboard)"


class _EventFile:
    def __init__(self, path: Path, key: str, skip: int):
        self.path, self.key = path, key
        self.skip = skip  # records a previous manager already turned into events
        self.records = 0  # records the loader has yielded so far; the resume position
        self.size = -1  # size at the last read: an unchanged file is not opened
        self.loader: Any = None


class TensorBoardSource:
    """Scalars from every ``events.out.tfevents.*`` file under RUN_DIR, one file read incrementally."""

    def __init__(
        self,
        run_dir: Path,
        metrics_map: dict[str, str] | None = None,
        positions: dict[str, int] | None = None,
        rescan_s: float = 2.0,
    ):
        self.run_dir = Path(run_dir)
        self.metrics_map = dict(metrics_map or {})
        self.positions = dict(positions or {})
        self.rescan_s = rescan_s
        self.files: dict[str, _EventFile] = {}
        self.given_up: set[str] = set()  # vanished or corrupt: never read again, so never doubled
        self.next_scan = 0.0
        self.bad = 0
        self.unavailable: str | None = None
        self._tb: tuple[Any, Any] | None = None  # (EventFileLoader, make_ndarray), imported on demand

    def read(self, final: bool = False) -> list[dict]:
        """Events of the records new since the last call; FINAL changes nothing here (the loader
        reads every complete record, and a torn last one is no scalar)."""
        if time.monotonic() >= self.next_scan:
            self._scan()
        if not self.files or not self._import_tensorboard():
            return []
        events: list[dict] = []
        for key, file in list(self.files.items()):
            try:
                size = file.path.stat().st_size
            except OSError:
                self._give_up(key)
                continue
            if size == file.size:
                continue  # nothing new; a partial last record waits until the file grows
            file.size = size
            try:
                self._tail(file, events)
            except Exception:  # corrupt, or gone mid-read: what was read before it is kept
                self._give_up(key)
                if file.path.exists():
                    self.bad += 1
        return events

    def scan_now(self) -> None:
        """Look for new files at the next read (a job may create one as it exits)."""
        self.next_scan = 0.0

    def position(self) -> tuple:
        return tuple((key, f.records) for key, f in sorted(self.files.items()))

    def _scan(self) -> None:
        started = time.monotonic()
        for folder, _dirs, names in os.walk(self.run_dir):  # does not follow symlinked folders
            for name in names:
                if name.startswith(EVENT_FILE_PREFIX):
                    path = Path(folder, name)
                    key = "tb:" + path.relative_to(self.run_dir).as_posix()
                    if key not in self.files and key not in self.given_up:
                        self.files[key] = _EventFile(path, key, self.positions.get(key, 0))
        # a run folder holding a dataset or many checkpoints makes the walk slow: walk it less often
        self.next_scan = time.monotonic() + next_scan_delay(self.rescan_s, time.monotonic() - started)

    def _import_tensorboard(self) -> bool:
        if self._tb is None and self.unavailable is None:
            try:
                from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
                from tensorboard.util.tensor_util import make_ndarray
            except ImportError:
                self.unavailable = MISSING
            else:
                self._tb = (EventFileLoader, make_ndarray)
        return self._tb is not None

    def _give_up(self, key: str) -> None:
        self.files.pop(key, None)
        self.given_up.add(key)

    def _tail(self, file: _EventFile, events: list[dict]) -> None:
        """Append the scalars of the records new since the last call to EVENTS."""
        pending: dict | None = None
        try:
            if file.loader is None:
                file.loader = self._tb[0](str(file.path))
            # Load() stops quietly at a half-written record and resumes there on the next call
            for event in file.loader.Load():
                file.records += 1
                if file.records <= file.skip:
                    continue  # still read, not skipped by offset: the loader keeps per-tag state
                metrics = self._scalars(event)
                if not metrics:
                    continue
                if pending and pending["step"] == event.step and not metrics.keys() & pending["metrics"].keys():
                    pending["metrics"].update(metrics)
                    pending["pos"] = file.records
                    continue
                if pending:
                    events.append(_with_epoch(pending))
                pending = {
                    "type": "log",
                    "step": int(event.step),
                    "metrics": metrics,
                    "src": file.key,
                    "pos": file.records,
                }
        finally:
            if pending:
                events.append(_with_epoch(pending))

    def _scalars(self, event: Any) -> dict[str, float]:
        if event.WhichOneof("what") != "summary":
            return {}
        metrics: dict[str, float] = {}
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            if kind == "simple_value":  # older writers; the loader usually migrates these to tensors
                number: float | None = float(value.simple_value)
            elif kind == "tensor":
                number = self._tensor_scalar(value.tensor)
            else:
                continue
            if number is not None:
                metrics[self.metrics_map.get(value.tag, value.tag)] = number
        return metrics

    def _tensor_scalar(self, tensor: Any) -> float | None:
        try:
            array = self._tb[1](tensor)
        except Exception:
            return None
        # one number is a scalar; histograms, images and text are bigger or not numeric
        if array.size != 1 or array.dtype.kind not in "fiu":
            return None
        return float(array.reshape(-1)[0])


def _with_epoch(event: dict) -> dict:
    epoch = event["metrics"].get("epoch")
    if epoch is not None and math.isfinite(epoch):
        event["epoch"] = epoch
    return event
