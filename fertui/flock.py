"""The store's cross-process lock: ``fcntl.flock`` on a lock file, reentrant within a thread.

The filelock package does the same on POSIX (it is what the daemon and the Optuna journal use),
but importing it costs 40-60 ms (its 4.x imports logging, inspect, asyncio helpers, decimal …),
a fifth of `fertui add`; every store write takes this lock, so the store keeps its own glue.
Like filelock's, the lock is held by an open file description: threads of one process exclude
each other (each opens its own), and a killed holder's lock goes with its process.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from fertui.errors import StoreBusy


class StoreLock:
    def __init__(self, path: str, timeout: float):
        self.path, self.timeout = path, timeout
        self._held = threading.local()  # per thread: (fd, depth)

    def acquire(self) -> None:
        fd, depth = getattr(self._held, "state", (None, 0))
        if depth:
            self._held.state = (fd, depth + 1)
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)  # the umask decides
        deadline, pause = time.monotonic() + self.timeout, 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreBusy(f"{self.path}: still locked by another fertui process after "
                                    f"{self.timeout:.0f} s; is one hung? (`fuser {self.path}` names it)") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
            except BaseException:
                os.close(fd)
                raise
        self._held.state = (fd, 1)

    def release(self) -> None:
        fd, depth = self._held.state
        if depth > 1:
            self._held.state = (fd, depth - 1)
            return
        self._held.state = (None, 0)
        os.close(fd)  # closing the description drops the flock

    def __enter__(self) -> "StoreLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
