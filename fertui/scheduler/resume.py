"""Resuming a run in place: the same run id and folder, from the last checkpoint in it.

A run lost to a crash, a kill -9 or a reboot (or stopped by a batch system, see slurm.py)
goes back to the queue as itself, up to ``[scheduler] retry`` times, when its folder holds a
checkpoint: the built-in trainer's ``checkpoints/last.pt``, or for a command job any file
under ``checkpoints/`` when it says how to resume (``[job] resume_command`` or a
``{run.resume}`` placeholder). ``fertui resume RUN`` does the same by hand.

The events written after the last ``checkpoint`` event (the part of an epoch the resumed job
will do again) move to ``events.attempt<N>.jsonl``, so the curves and the summary carry on
from the checkpoint as one line instead of doubling back.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from fertui.atomicio import atomic_file
from fertui.events import EVENTS_FILE
from fertui.records import EventKind, event_kind

CHECKPOINT_DIR = "checkpoints"
TRAINER_CHECKPOINT = "last.pt"
RESUME_KEY = "run.resume"


def latest_checkpoint(run: dict, run_dir: Path) -> Path | None:
    """The checkpoint a start of RUN resumes from, or None for a fresh start."""
    folder = run_dir / CHECKPOINT_DIR
    if run.get("kind") == "train":
        path = folder / TRAINER_CHECKPOINT
        return path if path.is_file() else None
    if run.get("kind") != "command" or not says_how_to_resume(run):
        return None
    try:
        files = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".tmp")]
    except OSError:
        return None
    return max(files, key=lambda p: p.stat().st_mtime, default=None)


def lost_reason(run: dict, record: dict | None) -> str:
    """Why RUN's job counts as lost rather than ended (no exit record: the machine, the wrapper
    or the daemon died with it; or a SIGKILL nobody in fertui sent), or "" when it ended."""
    if run.get("stop_requested"):
        return ""
    if record is None:
        return "lost: the job vanished without an exit record (machine, wrapper or daemon crash)"
    if record.get("signal") == signal.SIGKILL:
        return "lost: the job was killed (SIGKILL) by someone outside fertui"
    return ""


def says_how_to_resume(run: dict) -> bool:
    placeholder = "{" + RESUME_KEY + "}"
    return bool(run.get("resume_command")) or any(placeholder in arg for arg in run.get("command") or [])


def rewind_events(run_dir: Path, attempt: int) -> int:
    """Move the events after the last checkpoint event aside; how many lines moved."""
    path = run_dir / EVENTS_FILE
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except FileNotFoundError:
        return 0
    last = None
    for i, line in enumerate(lines):
        if b'"checkpoint"' in line and _is_checkpoint(line):
            last = i
    if last is None or last == len(lines) - 1:
        return 0
    tail = lines[last + 1 :]
    with open(run_dir / f"events.attempt{attempt}.jsonl", "ab") as fh:  # kept: nothing is thrown away
        fh.write(b"".join(tail) if tail[-1].endswith(b"\n") else b"".join(tail) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    with atomic_file(path, "wb") as fh:
        fh.write(b"".join(lines[: last + 1]))
    return len(tail)


def _is_checkpoint(line: bytes) -> bool:
    try:
        event = json.loads(line)
    except ValueError:
        return False
    return isinstance(event, dict) and event_kind(event) is EventKind.CHECKPOINT
