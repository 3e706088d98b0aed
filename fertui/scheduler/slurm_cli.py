"""Slurm's documented command-line tools, called as subprocesses (stdlib only).

``sbatch --parsable`` submits, ``squeue -h -t all -o`` lists what slurmctld still remembers,
``scontrol show job -o`` gives one job's exit code and node, ``sacct`` answers for jobs that
slurmctld has already forgotten (only where the cluster keeps accounting), ``scancel`` stops.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from fertui.errors import UserError

CLI_TIMEOUT_S = 60
# squeue's %T names; the long "state" of squeue/scontrol/sacct ("CANCELLED by 0" in sacct).
PENDING_STATES = {
    "PENDING",
    "CONFIGURING",
    "REQUEUED",
    "REQUEUE_HOLD",
    "REQUEUE_FED",
    "RESV_DEL_HOLD",
    "SPECIAL_EXIT",
    "STOPPED",
    "SUSPENDED",
}
RUNNING_STATES = {"RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING", "POWER_UP_NODE", "UPDATE_DB"}
FINAL_STATES = {
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "NODE_FAIL",
    "PREEMPTED",
    "OUT_OF_MEMORY",
    "BOOT_FAIL",
    "DEADLINE",
    "REVOKED",
}


class SlurmError(UserError):
    """A Slurm command failed; the message carries its stderr."""


def run_cli(
    argv: list[str], env: dict[str, str] | None = None, check: bool = True, input_text: str | None = None
) -> subprocess.CompletedProcess:
    if shutil.which(argv[0], path=(env or os.environ).get("PATH")) is None:
        raise SlurmError(f"{argv[0]} not found: the slurm executor needs Slurm's client tools on PATH")
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        input=input_text,
        timeout=CLI_TIMEOUT_S,
        stdin=None if input_text is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise SlurmError(
            f"{' '.join(argv[:2])} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()}"
        )
    return proc


def base_state(state: str) -> str:
    """'CANCELLED by 0' -> 'CANCELLED'; 'COMPLETING+' -> 'COMPLETING'."""
    return state.split()[0].rstrip("+") if state.strip() else ""


def submit(script_path: str, env: dict[str, str] | None = None) -> str:
    """Submit a batch script; the job id (``sbatch --parsable`` prints 'id' or 'id;cluster')."""
    out = run_cli(["sbatch", "--parsable", script_path], env=env).stdout.strip()
    job_id = out.splitlines()[-1].split(";")[0] if out else ""
    if not job_id.isdigit():
        raise SlurmError(f"sbatch printed no job id: {out!r}")
    return job_id


def queue(env: dict[str, str] | None = None) -> dict[str, dict]:
    """Every job of this user that slurmctld still remembers: {id: {state, partition, node, reason}}."""
    fmt = "%i|%T|%P|%N|%r"
    proc = run_cli(["squeue", "-h", "-t", "all", "--user", str(os.getuid()), "-o", fmt], env=env)
    jobs: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        parts = line.split("|")
        if len(parts) != 5:
            continue
        job_id, state, partition, node, reason = (p.strip() for p in parts)
        jobs[job_id] = {"state": base_state(state), "partition": partition, "node": node, "reason": reason}
    return jobs


def show_job(job_id: str, env: dict[str, str] | None = None) -> dict | None:
    """``scontrol show job -o ID`` as a dict (JobState, ExitCode, NodeList, ...), or None if forgotten."""
    proc = run_cli(["scontrol", "show", "job", "-o", job_id], env=env, check=False)
    if proc.returncode != 0 or "JobId=" not in proc.stdout:
        return None
    fields: dict[str, str] = {}
    for token in proc.stdout.split():
        key, sep, value = token.partition("=")
        if sep and key not in fields:
            fields[key] = value
    return fields


def accounting(job_id: str, env: dict[str, str] | None = None) -> dict | None:
    """The job's record from ``sacct`` (state, exit code, node), or None without accounting."""
    if shutil.which("sacct") is None:
        return None
    proc = run_cli(
        ["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,ExitCode,NodeList,Partition"], env=env, check=False
    )
    for line in proc.stdout.splitlines() if proc.returncode == 0 else []:
        parts = line.split("|")
        if len(parts) == 5 and parts[0] == job_id:
            return {"state": base_state(parts[1]), "exit": parts[2], "node": parts[3], "partition": parts[4]}
    return None


def split_exit(text: str) -> tuple[int | None, int | None]:
    """Slurm's 'code:signal' exit field as (exit_code, signal); zeros mean 'none' for the signal."""
    code, _, sig = (text or "").partition(":")
    try:
        return int(code), (int(sig) or None) if sig else None
    except ValueError:
        return None, None


def cancel(job_id: str, env: dict[str, str] | None = None, signal: str | None = None) -> None:
    """``scancel ID`` (Slurm sends SIGTERM, waits the cluster's KillWait, then SIGKILL)."""
    argv = ["scancel", *(["--signal", signal, "--full"] if signal else []), job_id]
    run_cli(argv, env=env, check=False)  # an already-finished job is not an error here


class SlurmUnavailable(SlurmError):
    """squeue failed (controller down or unreachable): how the jobs stand is unknown."""


class QueueCache:
    """One ``squeue`` per scheduler tick instead of one per run: answers stay fresh for TTL_S."""

    def __init__(self, env_fn, ttl_s: float = 1.0):
        self._env_fn = env_fn
        self.ttl_s = ttl_s
        self._jobs: dict[str, dict] = {}
        self._at = float("-inf")
        self.failure: str | None = None  # the last squeue error, until squeue answers again

    def get(self, job_id: str, fresh: bool = False) -> dict | None:
        """The job's squeue entry, None if slurmctld no longer knows it; SlurmUnavailable if squeue fails."""
        if fresh or time.monotonic() - self._at > self.ttl_s:
            try:
                self._jobs = queue(self._env_fn())
            except (SlurmError, subprocess.TimeoutExpired, OSError) as exc:
                self._at = time.monotonic()  # do not hammer a controller that is down
                self.failure = str(exc)
                raise SlurmUnavailable(self.failure) from None
            self._at = time.monotonic()
            self.failure = None
        elif self.failure is not None:
            raise SlurmUnavailable(self.failure)
        return self._jobs.get(job_id)

    def invalidate(self) -> None:
        self._at = float("-inf")
