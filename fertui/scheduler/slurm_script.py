"""The batch script the Slurm executor's ``[executor]`` options produce (stdlib only; the
options themselves are checked in fertui.config.slurm_options, where fertui.toml is read).

The script lives in the run folder (``runs/<id>/slurm.sh``), so what was submitted can be read
and resubmitted by hand. It runs the same launch wrapper as local jobs, so exit.json,
events.jsonl and stdout.log land in the run folder on the shared filesystem.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from fertui.scheduler.executor import job_cwd


def sbatch_directives(options: dict, run: dict, run_dir: Path) -> list[str]:
    """The #SBATCH arguments for one run, from the executor options."""
    name = f"fertui-{run['id']}-{run.get('name', '')}"[:100]
    args = [
        f"--job-name={name}",
        f"--chdir={job_cwd(run, run_dir)}",
        f"--output={run_dir / 'stdout.log'}",
        "--open-mode=append",
    ]
    gres = gres_for(options.get("gres") or "", int(((run.get("config") or {}).get("job") or {}).get("gpus") or 1))
    options = {**options, "gres": gres}
    for key, flag in (
        ("partition", "partition"),
        ("account", "account"),
        ("qos", "qos"),
        ("gres", "gres"),
        ("time", "time"),
        ("mem", "mem"),
        ("cpus", "cpus-per-task"),
        ("signal", "signal"),
    ):
        if options.get(key) not in (None, ""):
            args.append(f"--{flag}={options[key]}")
    args.append("--requeue" if options.get("requeue", True) else "--no-requeue")
    for line in options.get("sbatch_lines", []):
        line = line.strip()
        args.append(line[len("#SBATCH") :].strip() if line.startswith("#SBATCH") else line)
    return args


def gres_for(gres: str, gpus: int) -> str:
    """The --gres value for a job that needs GPUS: a job of several GPUs gets that count in the
    executor's ``gpu`` entry (``gpu:a100:1`` -> ``gpu:a100:4``), or ``gpu:N`` when none is set.
    One GPU keeps the executor's value, so a cluster without GPU gres still takes plain jobs."""
    if gpus <= 1:
        return gres
    entries = [e for e in gres.split(",") if e]
    for i, entry in enumerate(entries):
        parts = entry.split(":")
        if parts[0] == "gpu":
            entries[i] = ":".join([*parts[:-1], str(gpus)] if parts[-1].isdigit() else [*parts, str(gpus)])
            return ",".join(entries)
    return ",".join([*entries, f"gpu:{gpus}"])


def batch_script(options: dict, run: dict, run_dir: Path, argv: list[str], env: dict[str, str]) -> str:
    """The whole batch script: directives, exported job environment, preamble, then the wrapper."""
    lines = ["#!/bin/bash", f"# fertui run {run['id']} ({run.get('name', '')}); written by the slurm executor"]
    lines += [f"#SBATCH {arg}" for arg in sbatch_directives(options, run, run_dir)]
    # Only what fertui adds to the submitting environment (sbatch exports the rest by default).
    for key, value in sorted(env.items()):
        if os.environ.get(key) != value and key.isidentifier():
            lines.append(f"export {key}={shlex.quote(value)}")
    preamble = options.get("preamble", [])
    lines += preamble.splitlines() if isinstance(preamble, str) else list(preamble)
    # A job Slurm requeued (preemption, node failure) must not leave the last attempt's record.
    lines.append(f"rm -f {shlex.quote(str(run_dir / 'exit.json'))}")
    python = options.get("python") or sys.executable
    if argv and argv[0] == sys.executable:  # built-in jobs run under the nodes' interpreter too
        argv = [python, *argv[1:]]
    command = [python, "-m", "fertui.scheduler.wrapper", str(run_dir), "--", *argv]
    # exec: Slurm's signals (time limit, scancel, --signal=B:...) reach the wrapper directly.
    lines.append("exec " + " ".join(shlex.quote(a) for a in command))
    return "\n".join(lines) + "\n"
