"""The Slurm executor: each run is one ``sbatch`` job running the usual launch wrapper.

Slurm owns the queue and the machines; fertui submits, watches and cancels through the
documented CLIs (see slurm_cli.py). The run folder contract is unchanged: the job writes
events.jsonl, stdout.log and exit.json into ``runs/<id>/`` on the shared filesystem.
The run doc keeps ``slurm_job``, ``partition`` and ``node`` for the console's Queue screen.

How Slurm's end states become fertui's (see ``read_exit``):
COMPLETED/FAILED -> the wrapper's exit record, as for local jobs; CANCELLED -> cancelled when
fertui asked, else failed; OUT_OF_MEMORY -> oom; TIMEOUT, PREEMPTED, NODE_FAIL, BOOT_FAIL ->
requeued within ``[scheduler] retry`` (the trainer resumes from checkpoints/last.pt).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from fertui.config.slurm_options import DEFAULT_MAX_JOBS, check_options
from fertui.report import EXIT_OOM
from fertui.scheduler import slurm_cli
from fertui.scheduler.executor import Executor, Slot
from fertui.scheduler.slurm_script import batch_script
from fertui.scheduler.wrapper import EXIT_FILE

if TYPE_CHECKING:
    from fertui.workspace import Workspace

log = logging.getLogger("fertui.scheduler")
SCRIPT_FILE = "slurm.sh"
EXIT_FILE_WAIT_S = 30.0  # how long to wait for a finished job's exit.json to show up on this host
# Slurm end states after which the run goes back to the queue (a new attempt, same run folder).
REQUEUE_STATES = {"TIMEOUT", "PREEMPTED", "NODE_FAIL", "BOOT_FAIL"}
STATE_WORDS = {
    "TIMEOUT": "time limit reached",
    "PREEMPTED": "preempted",
    "NODE_FAIL": "node failure",
    "BOOT_FAIL": "node boot failure",
    "OUT_OF_MEMORY": "out of memory (Slurm memory limit)",
    "DEADLINE": "deadline reached",
    "CANCELLED": "cancelled outside fertui",
}


class SlurmExecutor(Executor):
    kind = "slurm"

    def __init__(self, options: dict | None = None):
        super().__init__(check_options(dict(options or {})))
        self._queue = slurm_cli.QueueCache(self._env)
        self._store_path: Path | None = None  # set by slots(): where to note where a job landed
        self._warned_at = float("-inf")
        self._ended_unseen: dict[str, float] = {}  # job id -> when Slurm said ended without exit.json

    def _env(self) -> dict[str, str]:
        """The environment for Slurm's commands (SLURM_CONF from fertui.toml when given)."""
        env = dict(os.environ)
        if self.options.get("slurm_conf"):
            env["SLURM_CONF"] = str(Path(self.options["slurm_conf"]).expanduser())
        return env

    # ---- the Executor interface --------------------------------------------------------
    def slots(self, workspace: Workspace) -> list[Slot]:
        """Slurm queues and places jobs itself: fertui only caps how many it submits at once."""
        self._store_path = workspace.store_path
        count = int(self.options.get("max_jobs", DEFAULT_MAX_JOBS))
        return [Slot(f"slurm{i}") for i in range(count)]

    def launch(self, run: dict, run_dir: Path, argv: list[str], env: dict[str, str], slot: Slot) -> dict:
        (run_dir / EXIT_FILE).unlink(missing_ok=True)
        job_env = {k: v for k, v in env.items() if k != "CUDA_VISIBLE_DEVICES"}  # Slurm sets it from --gres
        script = run_dir / SCRIPT_FILE
        script.write_text(batch_script(self.options, run, run_dir, argv, job_env), encoding="utf-8")
        job_id = slurm_cli.submit(str(script), env=submit_env({**self._env(), **job_env}))
        self._queue.invalidate()
        try:
            info = self._job(job_id) or {}
        except slurm_cli.SlurmUnavailable:  # submitted all the same; poll() fills in the rest
            info = {}
        return {
            "executor": self.kind,
            "slurm_job": job_id,
            "pid": None,
            "pid_start": None,
            "partition": info.get("partition") or self.options.get("partition") or "",
            "node": info.get("node") or "",
            "slurm_state": info.get("state") or "PENDING",
        }

    def poll(self, run: dict) -> str:
        job_id = run.get("slurm_job")
        if not job_id:
            return "vanished"
        try:
            info = self._job(job_id)
        except slurm_cli.SlurmUnavailable as exc:
            self._warn_unavailable(str(exc))
            return "running"  # unknown is not ended: keep watching until Slurm answers again
        if info is None:
            info = slurm_cli.accounting(job_id, self._env())
        if info is None:  # slurmctld forgot it and there is no accounting: the wrapper's record decides
            return "exited"
        state = info["state"]
        self._note_placement(run, info)
        if state in slurm_cli.PENDING_STATES:
            return "pending"
        if state in slurm_cli.RUNNING_STATES or self._exit_file_lagging(run, state):
            return "running"
        return "exited"

    def cancel(self, run: dict, grace_s: float) -> None:
        """``scancel``; then wait up to GRACE_S (plus Slurm's own KillWait) until it has left the queue."""
        job_id = run.get("slurm_job")
        if not job_id:
            return
        slurm_cli.cancel(job_id, env=self._env())
        deadline = time.monotonic() + max(0.0, grace_s) + 30.0
        while time.monotonic() < deadline:
            try:
                info = self._job(job_id, fresh=True)
            except slurm_cli.SlurmUnavailable:
                info = {"state": "UNKNOWN"}
            if info is None or info["state"] in slurm_cli.FINAL_STATES:
                return
            time.sleep(0.2)

    def read_exit(self, run: dict, run_dir: Path) -> dict | None:
        """The wrapper's exit.json, corrected by what Slurm knows about how the job ended."""
        record = _read_json(run_dir / EXIT_FILE)
        job_id = run.get("slurm_job")
        detail = self._final_detail(job_id) if job_id else None
        if detail is None:
            return record  # no Slurm record left: exactly the local executor's rule
        state = detail["state"]
        record = dict(record or {})
        record.setdefault("ended", time.time())
        record.update({"slurm_state": state, "node": detail.get("node") or run.get("node", "")})
        if "exit_code" not in record and "signal" not in record:  # the wrapper never finished
            record["exit_code"], record["signal"] = slurm_cli.split_exit(detail.get("exit", ""))
        if state in REQUEUE_STATES:
            record["requeue"] = True
            record["error"] = f"Slurm job {job_id}: {STATE_WORDS[state]}"
        elif state == "OUT_OF_MEMORY":
            record["exit_code"], record["error"] = EXIT_OOM, f"Slurm job {job_id}: {STATE_WORDS[state]}"
            record["oom"] = True  # Slurm's word, whatever the job's kind (fertui.scheduler.outcome)
        elif state in ("CANCELLED", "DEADLINE") and record.get("exit_code") in (0, None):
            # Stopped by Slurm or by hand (not through fertui): never report that as success.
            record["exit_code"] = record.get("exit_code") or 1
            record["error"] = f"Slurm job {job_id}: {STATE_WORDS[state]}"
        return record

    def adopt(self, run: dict) -> bool:
        """True while Slurm still has the job queued or running (the scheduler watches it again)."""
        job_id = run.get("slurm_job")
        if not job_id:
            return False
        try:
            info = self._job(job_id, fresh=True)
        except slurm_cli.SlurmUnavailable:
            return True  # Slurm is down, the job may well live: watch it until Slurm answers
        return info is not None and info["state"] in slurm_cli.PENDING_STATES | slurm_cli.RUNNING_STATES

    # ---- helpers -----------------------------------------------------------------------
    def _job(self, job_id: str, fresh: bool = False) -> dict | None:
        return self._queue.get(job_id, fresh=fresh)

    def _exit_file_lagging(self, run: dict, state: str) -> bool:
        """True for a while after Slurm reports a normal end that the wrapper's exit.json does not
        show yet: on NFS the login node may see the compute node's last writes seconds late."""
        if state not in ("COMPLETED", "FAILED") or self._store_path is None:
            return False
        run_dir = self._store_path.parent / run["id"]
        try:
            if EXIT_FILE in os.listdir(run_dir):  # listing the folder revalidates NFS's cache
                return False
        except OSError:
            return False
        first = self._ended_unseen.setdefault(run["slurm_job"], time.monotonic())
        return time.monotonic() - first < EXIT_FILE_WAIT_S

    def _warn_unavailable(self, message: str) -> None:
        """Log a Slurm outage once a minute, not on every tick."""
        now = time.monotonic()
        if now - self._warned_at >= 60.0:
            self._warned_at = now
            log.warning("Slurm does not answer (%s); runs stay as they are until it does", message)

    def _note_placement(self, run: dict, info: dict) -> None:
        """Keep the run doc's partition/node/slurm_state current (the Queue screen shows them).

        Written only when they change (pending -> running mostly), and only while the run runs.
        """
        fields = {
            "partition": info.get("partition") or run.get("partition", ""),
            "node": info.get("node") or run.get("node", ""),
            "slurm_state": info["state"],
        }
        if self._store_path is None or all(run.get(k) == v for k, v in fields.items()):
            return
        from fertui.store import Store

        if Store(self._store_path).claim_run(run["id"], ("running",), fields) is not None:
            run.update(fields)

    def _final_detail(self, job_id: str) -> dict | None:
        """State, exit code and node of a finished job: scontrol while slurmctld remembers it, else sacct."""
        shown = slurm_cli.show_job(job_id, self._env())
        if shown is not None:
            return {
                "state": slurm_cli.base_state(shown.get("JobState", "")),
                "exit": shown.get("ExitCode", ""),
                "node": "" if shown.get("NodeList") == "(null)" else shown.get("NodeList", ""),
            }
        return slurm_cli.accounting(job_id, self._env())


def submit_env(env: dict[str, str]) -> dict[str, str]:
    """What sbatch passes on to the job (--export=ALL): without this shell's GPU choice or the
    variables of a Slurm job fertui itself may run in (an salloc session), which would mislead
    sbatch and the job. SLURM_CONF and SBATCH_* defaults stay."""
    return {
        k: v
        for k, v in env.items()
        if k != "CUDA_VISIBLE_DEVICES" and (not k.startswith("SLURM_") or k == "SLURM_CONF")
    }


def _read_json(path: Path) -> dict | None:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
