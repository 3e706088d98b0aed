"""Replace a file so that a crash at any point leaves the old or the new one, never half.

Files follow the user's umask (a lab group reads a colleague's results), keep a mode someone
chose with chmod, and are never world-writable; ``private`` files (a job's environment, which may
hold tokens) are the owner's alone.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from fertui.errors import NO_SPACE, DiskFull


def current_umask() -> int:
    try:  # read, not set: setting it to look would race with other threads creating files
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def no_world_write() -> None:
    """Clear the world-write bit of this process's umask (and so of its daemon and jobs): even
    under umask 000, no store, lock, pipe or run folder of a shared server is writable by all."""
    os.umask(current_umask() | 0o002)


def _file_mode(path: Path, private: bool) -> int:
    if private:
        return 0o600
    try:
        return os.stat(path).st_mode & 0o775  # a chmod g+rw by the user outlives our rewrites
    except FileNotFoundError:
        return 0o666 & ~current_umask() & ~0o002


@contextmanager
def atomic_file(path: Path, mode: str = "w", private: bool = False) -> Iterator[IO]:
    """Write through the yielded file; on success it is fsynced and renamed over PATH."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise DiskFull(str(path)) from None
        raise
    try:
        os.fchmod(fd, _file_mode(path, private))  # mkstemp makes 0600 whatever the umask
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            raise DiskFull(str(path)) from None
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def atomic_write_text(path: Path, text: str, private: bool = False) -> None:
    with atomic_file(path, "w", private=private) as fh:
        fh.write(text)
