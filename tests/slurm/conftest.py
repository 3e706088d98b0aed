"""A real one-node Slurm cluster (scripts/slurm_cluster.sh) for the slurm executor's tests.

The cluster starts once per session and is always stopped at the end. Tests marked
``slurm_first`` run before the others and ``slurm_last`` after them, so the one-minute
time-limit job (Slurm's limits have minute resolution) runs while the other tests do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "slurm_cluster.sh"
NEEDED = ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "scontrol", "scancel")


def pytest_configure(config):
    config.addinivalue_line("markers", "slurm_first: run before the other slurm tests")
    config.addinivalue_line("markers", "slurm_last: run after the other slurm tests")


def pytest_collection_modifyitems(session, config, items):
    here = str(Path(__file__).parent)
    positions = [i for i, item in enumerate(items) if str(item.fspath).startswith(here)]

    def order(item) -> int:
        return 0 if item.get_closest_marker("slurm_first") else 2 if item.get_closest_marker("slurm_last") else 1

    ordered = sorted((items[i] for i in positions), key=order)  # stable: file order otherwise
    for i, item in zip(positions, ordered):
        items[i] = item


@pytest.fixture(scope="session")
def slurm_conf(tmp_path_factory) -> Path:
    """Path of the running test cluster's slurm.conf."""
    missing = [b for b in NEEDED if shutil.which(b) is None]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} missing): apt-get install -y slurm-wlm munge")
    if os.geteuid() != 0:
        pytest.skip("the one-node Slurm test cluster must be started as root (slurmd launches jobs)")
    folder = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "FERTUI_SLURM_CPUS": "6"}  # one-CPU jobs side by side on a small machine
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(folder)], capture_output=True, text=True, env=env, timeout=120
    )
    try:
        assert started.returncode == 0, f"the test cluster did not start:\n{started.stdout}\n{started.stderr}"
        yield folder / "slurm.conf"
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, timeout=120)
