"""The launch wrapper: ``python -m fertui.scheduler.wrapper RUN_DIR -- ARGV...`` (stdlib only).

It can also run as a plain script (``python -S .../wrapper.py``), which the local executor
does to save the interpreter's site set-up on every job start. The scheduler starts this wrapper as the leader of a new session and process group, with
stdin closed and stdout/stderr appended to RUN_DIR/stdout.log. The job inherits that group,
so one signal to the group reaches the job and every process it forks (DataLoader workers).
The wrapper outlives the job just long enough to write RUN_DIR/exit.json atomically, so the
outcome survives a crash or restart of the scheduler.
"""

from __future__ import annotations

import os
import signal
import sys
import time

EXIT_FILE = "exit.json"


EXIT_RETRY_S = 10.0  # a full disk: try again this long; then the scheduler reads the status it reaped


def write_exit(run_dir: str, record: dict) -> None:
    """Write exit.json atomically, retrying while the disk is full (then the wrapper's own exit
    status, which the scheduler reaps, is all that is left)."""
    import json  # imported late: the job's start is what must be fast

    path = os.path.join(run_dir, EXIT_FILE)
    tmp = f"{path}.{os.getpid()}.tmp"
    deadline = time.monotonic() + EXIT_RETRY_S
    while True:
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(record, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            return
        except OSError as exc:
            try:
                os.unlink(tmp)  # never a 0-byte exit.json.<pid>.tmp left behind
            except OSError:
                pass
            if time.monotonic() >= deadline:
                try:  # stderr is the run's log, on the same full disk: a failed note is no failure
                    os.write(2, f"fertui: cannot write {path}: {exc}\n".encode())
                except OSError:
                    pass
                return
            time.sleep(0.5)


def _forward_once():
    """A handler that passes the first SIGTERM/SIGINT on to the whole group, exactly once.

    A signal sent to the group also reaches the wrapper; the flag keeps that copy from being
    sent around again, so the job sees each stop request once.
    """
    forwarded = []

    def handler(signum, _frame):
        if forwarded:
            return
        forwarded.append(signum)
        try:
            os.killpg(os.getpgrp(), signum)
        except ProcessLookupError:
            pass

    return handler


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1 or len(argv) < 3:
        print("usage: python -m fertui.scheduler.wrapper RUN_DIR -- COMMAND...", file=sys.stderr)
        return 2
    run_dir, command = argv[0], argv[2:]
    handler = _forward_once()
    # Python handlers (not SIG_IGN) so the job starts with default dispositions after exec.
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGHUP, lambda *_: None)  # a dropped SSH session must not stop the job
    started = time.time()
    try:  # posix_spawn, not subprocess: importing subprocess would delay every job's start
        pid = os.posix_spawnp(command[0], command, os.environ)
    except OSError as exc:
        print(f"fertui: cannot start {command[0]!r}: {exc}", file=sys.stderr, flush=True)
        write_exit(
            run_dir, {"exit_code": 127, "signal": None, "started": started, "ended": time.time(), "error": str(exc)}
        )
        return 127
    _, status = os.waitpid(pid, 0)  # retried by Python itself when a signal interrupts it
    code = os.waitstatus_to_exitcode(status)
    sig = -code if code < 0 else None
    write_exit(
        run_dir,
        {
            "exit_code": None if sig else code,
            "signal": sig,
            "signal_name": signal.Signals(sig).name if sig else None,
            "pid": pid,
            "started": started,
            "ended": time.time(),
        },
    )
    return code if code >= 0 else 128 + sig


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
