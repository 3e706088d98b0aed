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

# fertui's per-user caches (the model index, `fertui models`) go to a folder of this test session,
# not the real ~/.cache; torch's and Hugging Face's caches stay where they are.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

_home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
os.environ.setdefault("TORCH_HOME", os.path.join(_home_cache, "torch"))
os.environ.setdefault("HF_HOME", os.path.join(_home_cache, "huggingface"))
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="fertui-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)
# GPU claims are machine-wide (/tmp/fertui-gpu-claims): this session's fake GPUs get their own folder,
# so test sessions running side by side do not wait on each other's "gpu0".
os.environ["FERTUI_GPU_CLAIMS_DIR"] = tempfile.mkdtemp(prefix="fertui-test-claims-")
atexit.register(shutil.rmtree, os.environ["FERTUI_GPU_CLAIMS_DIR"], True)

import random  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _same_random_draws_in_any_order():
    """Each test starts from the same global RNG state, so what it draws (augmentations, init
    weights) does not depend on which tests ran before it; torch only if a test loaded it."""
    random.seed(0)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(0)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(0)
