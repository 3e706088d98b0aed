"""Machine-wide GPU claims, so fertui workspaces of one or several users never double-book a GPU.

Each GPU has a lock file in a sticky-bit directory shared by every user of the machine
(``/tmp/fertui-gpu-claims`` unless ``FERTUI_GPU_CLAIMS_DIR`` says otherwise). A workspace's
scheduler holds an exclusive ``flock`` on the file of every GPU it runs jobs on, and passes
the locked descriptor to each job it starts there. flock belongs to the open file
description, so the claim lives while the scheduler *or any of its jobs* lives, and the
kernel drops it when the last of them exits, even by kill -9 or a reboot: nothing is ever
left to clean up. See docs/lab-server.md for why this is safe.

Never ``flock(LOCK_UN)`` a claim: that would drop it for the jobs sharing the description too.
Letting go is closing this process's descriptor.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("fertui.scheduler")
DEFAULT_DIR = "/tmp/fertui-gpu-claims"
DIR_ENV = "FERTUI_GPU_CLAIMS_DIR"


def claims_dir() -> Path:
    return Path(os.environ.get(DIR_ENV) or DEFAULT_DIR)


def claim_key(uuid: str, index: int) -> str:
    """The file name of a GPU's claim: its NVML UUID (the same GPU for every user), else its index."""
    name = uuid or f"index{index}"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) + ".lock"


class ClaimDirUnsafe(OSError):
    """The claim directory exists but anyone could swap its files: claims there prove nothing."""


def prepare_dir(folder: Path) -> None:
    """Create FOLDER world-writable with the sticky bit (like /tmp), or check that it is so."""
    try:
        os.mkdir(folder, 0o1777)
        os.chmod(folder, 0o1777)  # mkdir's mode passes through the umask
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise ClaimDirUnsafe(errno.ENOTDIR, "not a directory (a symlink?)", str(folder))
    shared = info.st_mode & 0o002
    if shared and not info.st_mode & stat.S_ISVTX:
        if info.st_uid != os.getuid():
            raise ClaimDirUnsafe(errno.EPERM, "world-writable without the sticky bit", str(folder))
        os.chmod(folder, 0o1777)


class GpuClaims:
    """The claims this scheduler holds: claim key -> the locked descriptor."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or claims_dir()
        self.held: dict[str, int] = {}
        self.problem = ""  # why claiming is impossible (an unsafe or unwritable directory), for `ls`

    def hold(self, key: str) -> bool:
        """True when this scheduler holds KEY's claim (now or already); False when someone else does."""
        if key in self.held:
            return True
        try:
            prepare_dir(self.folder)
            fd = os.open(self.folder / key, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            self._note(f"cannot use {self.folder}/{key}: {exc.strerror or exc}")
            return False
        try:
            if os.fstat(fd).st_uid == os.getuid():  # readable by all, whatever the umask: anyone may lock it
                os.fchmod(fd, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.problem = ""
        self.held[key] = fd
        return True

    def let_go(self, key: str) -> None:
        """Close our descriptor: the claim ends once no job started with it is left either."""
        fd = self.held.pop(key, None)
        if fd is not None:
            os.close(fd)

    def fds(self, keys) -> tuple[int, ...]:
        return tuple(self.held[k] for k in keys if k in self.held)

    def close(self) -> None:
        for key in list(self.held):
            self.let_go(key)

    def _note(self, problem: str) -> None:
        if problem != self.problem:
            log.warning("GPU claims: %s; no GPU is used until this is fixed", problem)
        self.problem = problem


def claim_holders(folder: Path | None = None, locks_file: Path = Path("/proc/locks")) -> dict[str, int]:
    """Claim key -> the pid that took that claim, for every claim held now (Linux).

    Read from the kernel's lock table instead of by trying the lock: a probe that took the lock,
    even for a moment, could make a scheduler miss a GPU it was about to claim. The pid is the
    scheduler that claimed it; after that scheduler died, its jobs keep the claim under its pid.
    """
    folder = folder or claims_dir()
    try:
        files = {
            (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino): entry.name
            for entry in os.scandir(folder)
            if entry.name.endswith(".lock") and (info := entry.stat(follow_symlinks=False))
        }
        table = locks_file.read_text(encoding="ascii", errors="replace")
    except OSError:  # no claim folder yet, or no /proc: nothing is known to be claimed
        return {}
    holders = {}
    for line in table.splitlines():
        fields = line.split()  # "1: FLOCK  ADVISORY  WRITE 2329 fd:01:1055074 0 EOF"; waiters have "->"
        if len(fields) < 6 or fields[1] != "FLOCK" or fields[3] != "WRITE":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            key = files.get((int(major, 16), int(minor, 16), int(inode)))
            pid = int(fields[4])
        except ValueError:
            continue
        if key is not None:
            holders[key] = pid
    return holders
