"""An unexpected exception in the console: its traceback goes to runs/console.log, the user
gets one line and a non-zero exit status (Textual's own full-screen traceback is not shown)."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

CRASH_LOG = "console.log"


def write_crash_log(runs_dir: Path, error: BaseException) -> Path:
    """Append ERROR's traceback, with the time, to runs/console.log; the file's path."""
    path = runs_dir / CRASH_LOG
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} console crashed\n{text}\n")
    except OSError:
        pass  # the one line still says what happened
    return path


def crash_line(error: BaseException, log: Path) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return f"fertui: the console stopped on an unexpected error: {what} (traceback in {log})"
