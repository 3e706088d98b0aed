"""The resolved config of the current job, read from ``$FERTUI_RUN_DIR/config.toml``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fertui.config.loader import read_toml, validate_tree
from fertui.errors import ConfigError


def job_run_dir() -> Path:
    folder = os.environ.get("FERTUI_RUN_DIR")
    if not folder:
        raise ConfigError("FERTUI_RUN_DIR", None, "not set; run this through fertui or set it to a run folder")
    return Path(folder)


def load_job_config(run_dir: Path) -> dict[str, dict[str, Any]]:
    """The nested resolved config (every section filled), validated like any config file."""
    path = run_dir / "config.toml"
    tree = read_toml(path)
    tree.pop("fertui", None)  # run identity written by the manager, not an experiment key
    return validate_tree(str(path), tree).data
