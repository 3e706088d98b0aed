"""The ``[executor]`` options of kind "slurm": what each key takes, checked when fertui.toml is
read (fertui.workspace), so a typo fails before anything is queued; the Slurm executor and its
batch script (fertui.scheduler.slurm, .slurm_script) use the checked values.
"""

from __future__ import annotations

import re

from fertui.errors import ConfigError

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
            raise ConfigError(
                source,
                where,
                f"expected {expected} (Slurm's [days-]hours:minutes:seconds forms, or 'UNLIMITED'), got {value!r}",
            )
        if (
            key in ("sbatch_lines", "preamble")
            and isinstance(value, list)
            and not all(isinstance(v, str) for v in value)
        ):
            raise ConfigError(source, where, f"expected {expected} (strings only)")
    return options
