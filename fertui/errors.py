"""Errors a user can cause. The CLI prints them as one line and exits with code 2."""

import errno
import os

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def not_writable_message(exc: OSError) -> str:
    """One line for a file fertui may not open or write (a read-only disk, someone else's runs/)."""
    path = exc.filename or "the workspace"
    why = "the file system is read-only" if exc.errno == errno.EROFS else "permission denied"
    return (
        f"{path}: {why}; fertui writes its store, locks and run folders under the workspace's runs/: "
        "use a workspace you can write (--workspace DIR or FERTUI_HOME)"
    )


class UserError(Exception):
    """A mistake in input (config, flag, id) that the user can fix; never a traceback."""

    exit_code = 2


class DiskFull(UserError):
    """A write failed for want of space (ENOSPC, or over quota): where, and how much is free."""

    def __init__(self, path: str):
        import shutil

        try:
            free = f"{shutil.disk_usage(os.path.dirname(path) or '.').free / 1e6:.1f} MB free"
        except OSError:
            free = "free space unknown"
        super().__init__(f"{path}: no space left on the device ({free}); free some space and try again")


class StoreDamaged(UserError):
    """A store file is empty or not JSON: every command stops until `fertui store restore`."""


class StoreBusy(UserError):
    """A lock (the store's, the Optuna journal's) stayed held past its timeout: a hung fertui
    process, a stale NFS lock."""


class ConfigError(UserError):
    """A config problem, always located by file and dotted key."""

    def __init__(self, source: str, key: str | None, message: str):
        self.source, self.key, self.message = source, key, message
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {message}")
