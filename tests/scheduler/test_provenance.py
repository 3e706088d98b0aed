"""Provenance in a real git repository: edit the training code, retry, and fertui says what changed."""

from __future__ import annotations

import json
import subprocess
import textwrap

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.provenance.git import code_state
from tests.scheduler.test_queue_order import serve_until_drained

TRAIN = "import fertui.report as r\nACC = {acc}\nr.log({{'val/acc': ACC}}, step=1, epoch=1)\n"
SWEEP = """\
    [job]
    command = ["python", "train.py", "--lr", "{optim.lr}"]
    [run]
    name = "t_d{model.depth}_lr{optim.lr}"
    [sweep]
    name = "Lab"
    objective = "val/acc"
    [sweep.axes]
    "model.depth" = [2, 4]
    "optim.lr" = [0.001, 0.01]
"""


def git(repo, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def make_repo(root, sweep: str = SWEEP):
    """A git repository with train.py (val/acc 54) and SWEEP as sweep.toml, committed once."""
    repo = root / "lab"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "a@example.org")
    git(repo, "config", "user.name", "A")
    (repo / "train.py").write_text(TRAIN.format(acc=54.0))
    (repo / "sweep.toml").write_text(textwrap.dedent(sweep))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_code_state_reads_commit_diff_and_untracked_sources(tmp_path):
    repo = make_repo(tmp_path)
    clean = code_state(repo)
    assert clean.commit == git(repo, "rev-parse", "HEAD").strip() and not clean.dirty and clean.patch == ""
    (repo / "train.py").write_text(TRAIN.format(acc=14.0))
    (repo / "helper.py").write_text("X = 1\n")
    (repo / "data.bin").write_bytes(b"\0" * 10)
    dirty = code_state(repo / "sub" if (repo / "sub").exists() else repo)
    assert dirty.dirty and dirty.changed == ["train.py"] and dirty.untracked == ["helper.py"]
    assert "+ACC = 14.0" in dirty.patch and "new file mode" in dirty.patch and dirty.fingerprint != clean.fingerprint
    assert code_state(tmp_path) is None  # not a repository
    assert git(repo, "status", "--porcelain").count("\n") == 3  # nothing staged or written by fertui


def test_edit_retry_diff_shows_the_hunk_and_compare_flags_the_mixed_cell(jobs, tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    monkeypatch.chdir(repo)
    ws = ["--workspace", str(jobs.root)]
    runner = CliRunner()
    added = runner.invoke(app, [*ws, "add", "sweep.toml"])
    assert added.exit_code == 0, added.output
    serve_until_drained(jobs.ws)
    first = next(r for r in jobs.store.runs() if r["params"] == {"model.depth": 2, "optim.lr": 0.001, "run.seed": 0})
    assert first["code"]["dirty"] is False and first["summary"]["best"]["val/acc"] == 54.0
    shown = runner.invoke(app, [*ws, "show", first["id"]]).output
    assert "clean" in shown and first["code"]["fingerprint"] in shown and "python" in shown
    recorded = json.loads(runner.invoke(app, [*ws, "show", first["id"], "--json"]).output)["provenance"]
    assert recorded["stage"] == "started" and recorded["environment"]["packages"]["typer"]

    (repo / "train.py").write_text(TRAIN.format(acc=14.0))
    retried = runner.invoke(app, [*ws, "retry", first["id"]])
    assert retried.exit_code == 0 and f"note: the code changed since {first['id']} ran" in retried.output
    serve_until_drained(jobs.ws)
    second = next(r for r in jobs.store.runs() if r.get("retry_of") == first["id"])
    assert second["summary"]["best"]["val/acc"] == 14.0

    diff = runner.invoke(app, [*ws, "diff", first["id"], second["id"]])
    assert diff.exit_code == 0, diff.output
    text = diff.output
    assert "config: the same" in text
    assert "-ACC = 54.0" in text and "+ACC = 14.0" in text and "diff --git a/train.py b/train.py" in text
    assert "best val/acc: 54 -> 14" in text and "dirty: False -> True" in text

    compared = runner.invoke(app, [*ws, "compare", "Lab", "--by", "model.depth", "--across", "optim.lr"])
    assert compared.exit_code == 0, compared.output
    assert "2 code states" in compared.output
    assert compared.output.count("code states") == 1  # only the cell holding both versions


def test_a_repository_that_hides_untracked_files_is_not_scanned_for_them(tmp_path):
    repo = make_repo(tmp_path)
    (repo / "notes.py").write_text("x = 1\n")
    assert code_state(repo).untracked == ["notes.py"]
    git(repo, "config", "status.showUntrackedFiles", "no")  # a dotfiles repository at $HOME
    assert code_state(repo).untracked == []
