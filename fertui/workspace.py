"""The workspace: the folder holding configs/, runs/ and the optional fertui.toml."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.config.loader import read_toml
from fertui.errors import ConfigError
from fertui.notify import DEFAULTS as NOTIFY_DEFAULTS
from fertui.notify import parse_settings as parse_notify_settings

SETTINGS_DEFAULTS: dict[str, dict[str, Any]] = {
    "scheduler": {
        "gpus": "auto",
        "jobs_per_gpu": 1,
        "cpu_slots": "auto",  # one per usable core; or a number
        "retry": 1,
        "min_free_memory_mb": 0,
        # Lab-server etiquette: a GPU nobody of this workspace uses is busy (left alone) from this
        # much used memory or this utilisation (percent) on; 0 = do not look. See docs/lab-server.md.
        "busy_memory_mb": 1024,
        "busy_utilization": 10,
        "cancel_grace_s": 10.0,
        "stop_after_same_failures": 3,  # a sweep whose last K runs failed alike holds the rest; 0 = never
        "disk_warn_gb": 5,  # a "disk_low" alert (and notification) when runs/ has less free than this; 0 = never
    },
    "executor": {"kind": "local"},
    "optuna": {"storage": "runs/optuna.journal"},
    "notify": dict(NOTIFY_DEFAULTS),  # fertui.notify: where and when to tell someone who is away
}

ENV_FILE = "env.json"  # in a command run's folder: the environment of the shell that queued it


@dataclass
class Workspace:
    root: Path
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def configs_dir(self) -> Path:
        return self.root / "configs"

    @property
    def store_path(self) -> Path:
        return self.runs_dir / "fertui.json"

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def setting(self, section: str, key: str) -> Any:
        return self.settings.get(section, {}).get(key, SETTINGS_DEFAULTS[section][key])


def _read_settings(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    data = read_toml(path)
    for section, values in data.items():
        if section not in SETTINGS_DEFAULTS:
            raise ConfigError(str(path), section, f"unknown section; expected one of {sorted(SETTINGS_DEFAULTS)}")
        if not isinstance(values, dict):
            raise ConfigError(str(path), section, "expected a [table]")
        if section == "executor":
            if values.get("kind") == "slurm":  # checked here so a typo fails before anything is queued
                from fertui.config.slurm_options import check_options

                check_options(values, source=str(path))
            continue  # executor kinds carry their own keys (partition, account, ...)
        if section == "notify":
            parse_notify_settings(values, source=str(path))
            continue
        for key, value in values.items():
            if key not in SETTINGS_DEFAULTS[section]:
                known = sorted(SETTINGS_DEFAULTS[section])
                raise ConfigError(str(path), f"{section}.{key}", f"unknown key; expected one of {known}")
            if key == "stop_after_same_failures" and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ConfigError(str(path), f"{section}.{key}", f"expected an integer >= 0 (0 = never), got {value!r}")
            if section == "optuna" and key == "storage" and not (isinstance(value, str) and value.strip()):
                raise ConfigError(
                    str(path),
                    f"{section}.{key}",
                    f"expected a journal file path or a database URL string, got {value!r}",
                )
    return data


def open_workspace(root: str | os.PathLike | None = None) -> Workspace:
    """The workspace at ROOT, $FERTUI_HOME, or the current directory, in that order."""
    base = Path(root or os.environ.get("FERTUI_HOME") or os.getcwd()).expanduser().resolve()
    if not base.exists():  # a typo in --workspace must not look like an empty workspace
        raise ConfigError(str(base), None, "no such workspace folder (create it, or check --workspace / FERTUI_HOME)")
    if not base.is_dir():
        raise ConfigError(str(base), None, "workspace must be a directory")
    return Workspace(root=base, settings=_read_settings(base / "fertui.toml"))
