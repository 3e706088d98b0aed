"""Test-wide settings: keep jobs and libraries quiet and single-threaded on the shared CPUs."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.pop("FERTUI_HOME", None)
os.environ.pop("FERTUI_DEBUG", None)

# Command jobs run with the queueing shell's PATH, as a user's would. The suite runs as from a
# shell with fertui's venv activated, so `python` in a test job is the interpreter under test.
import sys  # noqa: E402

_venv_bin = os.path.dirname(sys.executable)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _venv_bin:
    os.environ["PATH"] = _venv_bin + os.pathsep + os.environ.get("PATH", "")
