"""The ``[executor]`` options of the Slurm executor and the batch script they produce (stdlib only).

The script lives in the run folder (``runs/<id>/slurm.sh``), so what was submitted can be read
and resubmitted by hand. It runs the same launch wrapper as local jobs, so exit.json,
events.jsonl and stdout.log land in the run folder on the shared filesystem.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from fertui.errors import ConfigError
from fertui.scheduler.executor import job_cwd

SETTINGS_FILE = "fertui.toml"
# key -> (expected type(s), what to say when it is wrong)
OPTIONS: dict[str, tuple[tuple[type, ...], str]] = {
    "kind": ((str,), "'slurm'"),
    "partition": ((str,), "a partition name, e.g. 'gpu'"),
    "account": ((str,), "an account name"),
    "qos": ((str,), "a QOS name"),
    "gres": ((str,), "a generic resource per job, e.g. 'gpu:1'"),
    "time": ((str, int), "a time limit, e.g. '2:00:00' or minutes as an integer"),
    "mem": ((str, int), "memory per job, e.g. '32G' or megabytes as an integer"),
    "cpus": ((int,), "CPUs per job (an integer >= 1)"),
    "signal": ((str,), "an sbatch --signal value, e.g. 'B:USR1@120'"),
    "sbatch_lines": ((list,), "a list of extra #SBATCH arguments, e.g. ['--constraint=a100']"),
    "preamble": ((list, str), "shell lines run before the job, e.g. ['module load cuda/12.4']"),
    "python": ((str,), "the Python interpreter on the compute nodes (default: this one)"),
    "slurm_conf": ((str,), "path to slurm.conf for the Slurm commands (sets SLURM_CONF)"),
    "max_jobs": ((int,), "how many runs may be submitted to Slurm at once (an integer >= 1)"),
    "requeue": ((bool,), "true or false: let Slurm requeue preempted or node-failed jobs"),
}
DEFAULT_MAX_JOBS = 64


# sbatch --time: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED / infinite
SLURM_TIME = re.compile(r"^(\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2}|UNLIMITED|infinite)$", re.IGNORECASE)


def check_options(options: dict, source: str = SETTINGS_FILE) -> dict:
    """OPTIONS validated, or a ConfigError naming SOURCE (fertui.toml), the key and what was expected."""
    for key, value in options.items():
        where = f"executor.{key}"
        if key not in OPTIONS:
            raise ConfigError(source, where, f"unknown key for kind 'slurm'; expected one of {sorted(OPTIONS)}")
        types, expected = OPTIONS[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise ConfigError(source, where, f"expected {expected}, got {value!r}")
        if key in ("cpus", "max_jobs") and value < 1:
            raise ConfigError(source, where, f"expected {expected}, got {value!r}")
        if key == "time" and not (isinstance(value, int) and value > 0 or SLURM_TIME.match(str(value))):
            raise ConfigError(source, where, f"expected {expected} (Slurm's [days-]hours:minutes:seconds forms, "
                                             f"or 'UNLIMITED'), got {value!r}")
        if key in ("sbatch_lines", "preamble") and isinstance(value, list) \
                and not all(isinstance(v, str) for v in value):
            raise ConfigError(source, where, f"expected {expected} (strings only)")
    return options


def sbatch_directives(options: dict, run: dict, run_dir: Path) -> list[str]:
    """The #SBATCH arguments for one run, from the executor options."""
    name = f"fertui-{run['id']}-{run.get('name', '')}"[:100]
    args = [f"--job-name={name}", f"--chdir={job_cwd(run, run_dir)}",
            f"--output={run_dir / 'stdout.log'}", "--open-mode=append"]
    for key, flag in (("partition", "partition"), ("account", "account"), ("qos", "qos"),
                      ("gres", "gres"), ("time", "time"), ("mem", "mem"), ("cpus", "cpus-per-task"),
                      ("signal", "signal")):
        if options.get(key) not in (None, ""):
            args.append(f"--{flag}={options[key]}")
    args.append("--requeue" if options.get("requeue", True) else "--no-requeue")
    for line in options.get("sbatch_lines", []):
        line = line.strip()
        args.append(line[len("#SBATCH"):].strip() if line.startswith("#SBATCH") else line)
    return args


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
