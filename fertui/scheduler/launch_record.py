"""``runs/<id>/launch.json``: that a run's job was started, where, and by which process.

The store records a launch in the same write that claims the run, but a restored store is one
write behind and may say ``queued`` for a run whose job is running. The run folder is the other
witness: the scheduler writes this record as soon as the job is launched, before the store write,
so a restore (fertui.scheduler.restore) can adopt the live job instead of starting it again.
"""

from __future__ import annotations

import json
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import DiskFull

LAUNCH_FILE = "launch.json"


def record_launch(run_dir: Path, fields: dict) -> None:
    """Keep FIELDS (the executor's pid and start time or batch job, the slot...) in RUN_DIR;
    never fails the launch."""
    try:
        atomic_write_text(run_dir / LAUNCH_FILE, json.dumps(fields, default=str))
    except (OSError, DiskFull):  # the store still records the launch; this copy only helps a restore
        pass


def recorded_launch(run_dir: Path) -> dict | None:
    try:
        record = json.loads((run_dir / LAUNCH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
