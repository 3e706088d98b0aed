"""The scheduler's log, runs/daemon.log: written by the daemon and by a foreground `fertui run`."""

from __future__ import annotations

import logging

from fertui.workspace import Workspace

LOG_FILE = "daemon.log"


def setup_logging(ws: Workspace) -> None:
    """Scheduler events and hook failures go to runs/daemon.log, in either mode."""
    logger = logging.getLogger("fertui.scheduler")
    path = str(ws.runs_dir / LOG_FILE)
    for handler in list(logger.handlers):  # one process schedules one workspace at a time
        if getattr(handler, "baseFilename", None) == path:
            return
        logger.removeHandler(handler)
        handler.close()
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
