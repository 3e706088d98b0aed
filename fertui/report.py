"""The job-side reporting API: ``fertui.report.log({"train/loss": 0.41}, step=120)``.

Each call appends one JSON line to ``$FERTUI_RUN_DIR/events.jsonl`` and flushes it, so the
manager sees it at once and a crash loses at most the line being written. Outside a managed
run (no FERTUI_RUN_DIR) events go to ``./runs/local/<time>-<pid>/`` so a script runs the
same with or without fertui. This module imports only the standard library.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

from fertui.jsonio import dumps
from fertui.records import EventKind

EVENTS_FILE = "events.jsonl"
_writer: EventWriter | None = None


class EventWriter:
    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.run_dir / EVENTS_FILE, "a", encoding="utf-8")
        self.last_step = -1

    def write(self, event: dict[str, Any]) -> None:
        event.setdefault("time", time.time())
        # One write() per line: a reader only ever sees whole lines or a trailing fragment.
        self._fh.write(dumps(event) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def run_dir() -> Path:
    """The folder of the current run (created on first use outside fertui)."""
    return _get().run_dir


def params() -> dict[str, Any]:
    """The run's parameters as flat dotted keys (``FERTUI_PARAMS``), or {} outside fertui."""
    return json.loads(os.environ.get("FERTUI_PARAMS", "{}"))


def _get() -> EventWriter:
    global _writer
    if _writer is None:
        folder = os.environ.get("FERTUI_RUN_DIR")
        if not folder:
            folder = Path("runs") / "local" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        _writer = EventWriter(Path(folder))
    return _writer


def is_bad_loss(key: str, value: Any) -> bool:
    """A non-finite value of a loss metric: what turns a log event into a NaN event."""
    return "loss" in key.lower() and isinstance(value, (int, float)) and not math.isfinite(value)


def log(metrics: dict[str, Any], step: int | None = None, epoch: float | None = None) -> None:
    """Record METRICS at STEP (default: one past the last step). A non-finite loss is a NaN event."""
    writer = _get()
    if step is None:
        step = writer.last_step + 1
    writer.last_step = step
    values = {
        k: float(v) if hasattr(v, "__float__") and not isinstance(v, (bool, int)) else v for k, v in metrics.items()
    }
    event: dict[str, Any] = {"type": EventKind.LOG.value, "step": step, "metrics": values}
    if epoch is not None:
        event["epoch"] = epoch
    writer.write(event)
    bad = [k for k, v in values.items() if is_bad_loss(k, v)]
    if bad:
        nan(step=step, epoch=epoch, metric=bad[0], lr=values.get("train/lr"))


def nan(
    step: int, epoch: float | None = None, metric: str = "train/loss", lr: float | None = None, **extra: Any
) -> None:
    """Record that training produced a non-finite value at STEP."""
    _get().write({"type": EventKind.NAN.value, "step": step, "epoch": epoch, "metric": metric, "lr": lr, **extra})


def oom(**info: Any) -> None:
    """Record that the job ran out of memory (the built-in jobs then exit with EXIT_OOM)."""
    _get().write({"type": EventKind.OOM.value, **info})


def event(kind: str | EventKind, **fields: Any) -> None:
    """Record a job-specific event of type KIND (the manager skips types it does not know)."""
    _get().write({"type": str(kind), **fields})


def start(**info: Any) -> None:
    """Record what the job knows up front: epochs, steps_per_epoch, classes, objective..."""
    _get().write({"type": EventKind.START.value, **info})


def summary(**values: Any) -> None:
    """Record final or headline values (e.g. best val/acc) that the manager keeps."""
    _get().write({"type": EventKind.SUMMARY.value, "values": values})


def artifact(path: str | os.PathLike, kind: str = "file", copy: bool = False) -> Path:
    """Register a file (checkpoint, plot, confusion matrix) as part of the run."""
    src = Path(path)
    dest = src
    if copy:
        dest = run_dir() / "artifacts" / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    _get().write({"type": EventKind.ARTIFACT.value, "path": str(dest), "kind": kind})
    return dest


def checkpoint(path: str | os.PathLike, step: int, epoch: float | None = None) -> None:
    """Record that PATH now holds the state at STEP: a run resumed from it carries on from this
    event (the manager sets aside what was logged after it), so its curves stay one line."""
    _get().write({"type": EventKind.CHECKPOINT.value, "path": str(path), "step": step, "epoch": epoch})


def close() -> None:
    global _writer
    if _writer is not None:
        _writer.close()
        _writer = None


# Exit codes the built-in jobs use so the manager can classify an ending without parsing logs.
EXIT_NAN = 3
EXIT_OOM = 4
