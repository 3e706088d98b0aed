"""Test-wide settings: keep jobs and libraries quiet and single-threaded on the shared CPUs."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.pop("FERTUI_HOME", None)
os.environ.pop("FERTUI_DEBUG", None)
