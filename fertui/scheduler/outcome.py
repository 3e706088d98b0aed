"""How a run ended: from the stop the scheduler asked for, the exit record and the log's tail."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fertui.errors import DiskFull
from fertui.events import EVENTS_FILE
from fertui.report import EXIT_NAN, EXIT_OOM
from fertui.terminal_text import printable

TAIL_LINES = 12
STOP_FILE = "stop.json"
OOM_MARKERS = ("out of memory", "outofmemoryerror", "cannot allocate memory")


def log_tail(path: Path, lines: int = TAIL_LINES, max_bytes: int = 16384) -> str:
    """The last LINES lines of PATH (read from its end, so a huge log costs nothing)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except FileNotFoundError:
        return ""
    # kept in the run's error and shown by show, run and the console: no escape may reach a terminal
    text = printable(data.decode("utf-8", errors="replace"))
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def record_stop(run_dir: Path, reason: str, summary: dict | None = None) -> None:
    """Keep a stop asked of a running job (cancel, nan, pruned) in its folder as well as in the
    store: a store restored from its one-write-behind backup learns from it how the run ended."""
    from fertui.atomicio import atomic_write_text

    try:
        atomic_write_text(
            run_dir / STOP_FILE, json.dumps({"reason": reason, "time": time.time(), "summary": summary or {}})
        )
    except (OSError, DiskFull):  # the store holds the stop; this copy only helps a restore
        pass


def recorded_stop(run_dir: Path) -> dict | None:
    try:
        stop = json.loads((run_dir / STOP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stop if isinstance(stop, dict) and isinstance(stop.get("reason"), str) else None


def _reported_events(run_dir: Path) -> bool:
    try:
        return (run_dir / EVENTS_FILE).stat().st_size > 0
    except OSError:
        return False


def _oom_in(tail: str) -> bool:
    return any(marker in tail.lower() for marker in OOM_MARKERS)


def classify(
    run: dict, exit_record: dict | None, run_dir: Path, *, nan_seen: bool = False, oom_seen: bool = False
) -> dict:
    """The fields that close RUN: status, exit_code, signal, ended and (when it helps) error."""
    record = exit_record or {}
    code, sig = record.get("exit_code"), record.get("signal")
    fields = {"exit_code": code, "signal": sig, "ended": record.get("ended") or time.time()}
    stop = run.get("stop_requested")
    tail = log_tail(run_dir / "stdout.log")
    # Exit codes 3 and 4 mean NaN and OOM for fertui's own jobs and for jobs that report through
    # fertui.report (they may exit with its EXIT_NAN / EXIT_OOM); any other program may exit 3.
    fertui_codes = run.get("kind") in ("train", "bench") or _reported_events(run_dir)
    if stop in ("pruned", "nan"):
        status = stop
    elif stop == "cancel":
        status = "cancelled"
    elif exit_record is None:
        status = "lost"
        fields["error"] = "the job vanished without an exit record (machine or wrapper crash?)"
    elif code == 0:
        status = "done"
    elif (code == EXIT_NAN and fertui_codes) or nan_seen:
        status = "nan"
    elif (code == EXIT_OOM and fertui_codes) or record.get("oom") or oom_seen or _oom_in(tail):
        status = "oom"
    else:
        status = "failed"
    if status in ("failed", "oom") or (status == "lost" and tail):
        how = f"exit code {code}" if code is not None else f"signal {sig}" if sig else "no exit record"
        fields["error"] = f"{how}\n{tail}".strip() if status != "lost" else f"{fields['error']}\n{tail}"
    if record.get("error") and status in ("failed", "oom"):  # e.g. the slurm executor's "time limit reached"
        fields["error"] = f"{record['error']}\n{fields['error']}"
    if stop == "timeout" and status not in ("done", "nan"):
        status = "failed"
        fields["error"] = f"stopped: the run went past its [job] timeout\n{fields.get('error', '')}".strip()
    fields["status"] = status
    return fields
