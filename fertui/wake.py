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


class WakeListener:
    """The scheduler's end of the pipe: ``wait(timeout)`` returns early when someone wakes it.

    The listener also holds a write end itself, so the pipe never reports end-of-file between
    writers (which would make select() spin), and so a signal handler can ``poke()`` it.
    """

    def __init__(self, workspace: Workspace):
        import stat

        path = wake_path(workspace)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.external = True
        try:
            try:
                if not stat.S_ISFIFO(os.stat(path).st_mode):
                    path.unlink()  # a stray regular file: replace it with the pipe
                    os.mkfifo(path)
            except FileNotFoundError:
                try:
                    os.mkfifo(path)
                except FileExistsError:
                    pass
            self._read_fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            self._write_fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            # A filesystem without named pipes: others cannot wake us, the idle tick still runs.
            self.external = False
            self._read_fd, self._write_fd = os.pipe()
            os.set_blocking(self._read_fd, False)
            os.set_blocking(self._write_fd, False)

    def wait(self, timeout: float) -> bool:
        """Sleep up to TIMEOUT seconds; True if woken (all pending wake-ups are consumed)."""
        import select

        ready, _, _ = select.select([self._read_fd], [], [], timeout)
        if not ready:
            return False
        try:
            while os.read(self._read_fd, 4096):
                pass
        except BlockingIOError:
            pass
        return True

    def poke(self) -> None:
        """Wake the waiting loop (safe from a signal handler)."""
        try:
            os.write(self._write_fd, b"s")
        except OSError:
            pass

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
