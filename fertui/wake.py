"""Wake an idle scheduler at once when runs are queued, instead of making it poll slowly.

The scheduler listens on a named pipe in runs/; writers open it non-blocking and give up
silently when nobody listens (no daemon, or a foreground `fertui run` not yet started).
"""

from __future__ import annotations

import errno
import os

from fertui.workspace import Workspace


def wake_path(workspace: Workspace):
    return workspace.runs_dir / "wake.fifo"


def wake_scheduler(workspace: Workspace) -> None:
    path = wake_path(workspace)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENXIO):  # no pipe, or no reader
            return
        raise
    try:
        os.write(fd, b"w")
    except OSError:
        pass  # pipe full: the scheduler has wake-ups pending anyway
    finally:
        os.close(fd)
