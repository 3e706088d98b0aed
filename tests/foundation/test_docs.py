"""The README a newcomer reads: short, its commands real, its links alive; the config reference
generated from the schema and current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
COMMAND = re.compile(r"^(?:\$ )?(?:\.venv/bin/)?fertui((?: [a-z][a-z-]*)*)", re.MULTILINE)


def _code_blocks(text: str) -> str:
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.DOTALL))


def _commands() -> set[tuple[str, ...]]:
    """Each `fertui WORD [WORD]` written in the README's code blocks or inline code."""
    found = set()
    for match in COMMAND.finditer(_code_blocks(README) + "\n" + "\n".join(re.findall(r"`([^`\n]+)`", README))):
        words = tuple(match.group(1).split()[:2])
        found.add(words)
    return found


def test_readme_is_short_and_starts_with_the_two_setup_commands():
    lines = README.splitlines()
    assert len(lines) <= 200
    first_block = _code_blocks(README).splitlines()
    assert [line.split()[:2] for line in first_block[:2]] == [["make", "run"], ["make", "test"]]


@pytest.mark.parametrize("words", sorted(_commands()), ids=" ".join)
def test_every_command_in_the_readme_exists(words):
    runner = CliRunner()
    result = runner.invoke(app, [*words, "--help"])
    if result.exit_code != 0 and len(words) == 2:  # `fertui board SWEEP`: the second word is an argument
        result = runner.invoke(app, [words[0], "--help"])
    assert result.exit_code == 0, (words, result.output)


def test_readme_links_point_at_files_that_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        assert (ROOT / target).exists(), target


def test_config_reference_is_generated_from_the_schema_and_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_config_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
