"""The environment a job runs in, read without running or importing any of it: host, the job's
Python and its installed packages (the ``*.dist-info`` folder names importlib.metadata reads),
torch with its CUDA and cuDNN builds, and the GPUs it was given."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

TORCH_CUDA = re.compile(r"^cuda\s*(?::[^=]*)?=\s*['\"]([^'\"]*)['\"]", re.MULTILINE)
CUDNN_PACKAGES = ("nvidia-cudnn-cu13", "nvidia-cudnn-cu12", "nvidia-cudnn-cu11", "nvidia-cudnn")


@dataclass
class JobEnvironment:
    host: str
    interpreter: str = ""  # the job's Python ("" for a command that is not a Python program)
    python: str = ""
    packages: dict[str, str] = field(default_factory=dict)
    torch: str = ""
    cuda: str = ""  # the CUDA torch was built with
    cudnn: str = ""
    gpus: list[str] = field(default_factory=list)  # names of the GPUs the job was given


def job_environment(argv: list[str], env: dict[str, str], builtin: bool, gpu_names: list[str]) -> JobEnvironment:
    found = JobEnvironment(host=socket.gethostname(), gpus=list(gpu_names))
    interpreter = sys.executable if builtin else python_of(argv, env)
    if not interpreter:
        return found
    sites = _site_folders(interpreter)
    found.interpreter = interpreter
    found.python = sys.version.split()[0] if interpreter == sys.executable else _python_version(interpreter)
    if not sites:  # a shim (pyenv, asdf) or a distribution's layout: ask the interpreter itself, once
        found.python, sites = _asked(interpreter, env)
    found.packages = installed_packages(sites)
    found.torch = found.packages.get("torch", "")
    found.cuda = next((m.group(1) for s in sites if (m := TORCH_CUDA.search(_read(s / "torch" / "version.py")))), "")
    found.cudnn = next((found.packages[p] for p in CUDNN_PACKAGES if p in found.packages), "")
    return found


def python_of(argv: list[str], env: dict[str, str]) -> str:
    """The Python interpreter ARGV starts (``python x.py``, or a script whose #! names one), or ""."""
    if not argv:
        return ""
    program = shutil.which(argv[0], path=env.get("PATH")) or ""
    if not program:
        return ""
    if Path(program).name.startswith("python"):
        return program
    words = _read(Path(program), 256).partition("\n")[0].removeprefix("#!").split()
    if words and Path(words[0]).name == "env" and len(words) > 1:
        words = [shutil.which(words[1], path=env.get("PATH")) or ""]
    return words[0] if words and Path(words[0]).name.startswith("python") else ""


def _site_folders(interpreter: str) -> list[Path]:
    if interpreter == sys.executable:
        return [Path(p) for p in sys.path if p.endswith("-packages") and os.path.isdir(p)]
    prefix = Path(interpreter).parent.parent  # not resolved: a venv's bin/python links to the base Python
    return sorted(prefix.glob("lib/python3*/site-packages"))


def installed_packages(sites: list[Path]) -> dict[str, str]:
    """{normalised name: version} from the dist-info folder names (the first site wins, as on import)."""
    packages: dict[str, str] = {}
    for site in sites:
        try:
            names = os.listdir(site)
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name[: -len(".dist-info")].partition("-")
                packages.setdefault(dist.lower().replace("_", "-"), version)
    return dict(sorted(packages.items()))


_ASKED: dict[tuple[str, str], tuple[str, list[Path]]] = {}
ASK = "import json, sys; print(json.dumps([sys.version.split()[0], [p for p in sys.path if p.endswith('-packages')]]))"


def _asked(interpreter: str, env: dict[str, str]) -> tuple[str, list[Path]]:
    """(version, site folders) from running INTERPRETER once per interpreter and PATH (a pyenv
    shim picks its Python by PATH and the folder's .python-version, so this is a best guess)."""
    import json  # only for interpreters whose layout could not be read
    import subprocess

    key = (interpreter, env.get("PATH", ""))
    if key not in _ASKED:
        try:
            done = subprocess.run(
                [interpreter, "-E", "-c", ASK],
                capture_output=True,
                text=True,
                timeout=10,
                env=env,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            version, paths = json.loads(done.stdout.strip().splitlines()[-1])
            _ASKED[key] = (str(version), [Path(p) for p in paths if os.path.isdir(p)])
        except (OSError, subprocess.SubprocessError, ValueError, IndexError, TypeError):
            _ASKED[key] = ("", [])
    return _ASKED[key]


def _python_version(interpreter: str) -> str:
    cfg = _read(Path(interpreter).parent.parent / "pyvenv.cfg")
    match = re.search(r"^version(?:_info)?\s*=\s*(\S+)", cfg, re.MULTILINE)
    if match:
        return match.group(1)
    lib = sorted((Path(interpreter).parent.parent / "lib").glob("python3*"))
    return lib[-1].name.removeprefix("python") if lib else ""


def _read(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(limit)
    except OSError:
        return ""
