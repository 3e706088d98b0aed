"""Which run ids a user was given: ``runs/queued-ids.log``, appended after each queueing write.

``fertui add`` writes a run's folder, then the store; a kill between the two leaves a folder
the store never held and whose id nobody printed. A restore rebuilding the runs a backup lacks
must not queue such a run, and this log is how it tells them apart: an id is in it only once
the store write that queued the run has succeeded. One line per queueing, the ids separated by
spaces; a torn last line (a kill during the append) names no id completely, so it counts as
not written.
"""

from __future__ import annotations

import os
from pathlib import Path

ACK_LOG = "queued-ids.log"


def acknowledge(runs_dir: Path, ids: list[str]) -> None:
    """Record IDS as given to the user (after the store write that queued them)."""
    if not ids:
        return
    fd = os.open(runs_dir / ACK_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, (" ".join(ids) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def acknowledged(runs_dir: Path) -> set[str] | None:
    """Every id ever acknowledged; None for a workspace from before this log existed."""
    try:
        text = (runs_dir / ACK_LOG).read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    complete = text[: text.rfind("\n") + 1]
    return {token for token in complete.split() if token.isdigit()}
