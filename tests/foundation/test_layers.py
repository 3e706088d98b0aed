"""The layers in DESIGN.md, checked rather than hoped for: import-linter's contracts (pyproject.toml
``[tool.importlinter]``) hold for the whole tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name  # the venv's own copy, whatever PATH says
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `make test` installs it with the test extra")
    return found


def test_import_contracts_are_kept():
    result = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_tree_passes_ruff_lint_and_format():
    paths = ["fertui", "models", "tests", "benchmarks", "scripts"]
    ruff = _tool("ruff")
    lint = subprocess.run([ruff, "check", *paths], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = subprocess.run([ruff, "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert fmt.returncode == 0, fmt.stdout[-3000:]
