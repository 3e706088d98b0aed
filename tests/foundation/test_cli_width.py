"""80 columns first: ls, fertui run's summary and live view, show, board and compare fit 80
columns without wrapping, use the room at 200, and keep the id and the status whole.

Plain-text snapshots of stable output (frozen clock, UTC) live in snapshots/; regenerate with
FERTUI_UPDATE_SNAPSHOTS=1 after looking at the new text."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console
from typer.testing import CliRunner

import fertui.cli.runs as runs_cli
from fertui.cli.main import app
from fertui.scheduler.view import RunView
from tests.foundation.shown_runs import NOW, fill, matches_snapshot

WIDTHS = (80, 200)


@pytest.fixture
def shown(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(runs_cli, "clock", lambda: NOW)
    monkeypatch.chdir(tmp_path)  # queued outside any git repo: no code state of the checkout in `show`
    yield fill(tmp_path)
    monkeypatch.delenv("TZ")
    time.tzset()


def cli(space, monkeypatch, width: int, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_fits(text: str, width: int) -> None:
    too_wide = [line for line in text.splitlines() if len(line.rstrip()) > width]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width}: {too_wide[0]!r}"


@pytest.mark.parametrize("width", WIDTHS)
def test_ls_fits_and_keeps_id_name_and_status(shown, monkeypatch, width):
    text = cli(shown, monkeypatch, width, "ls")
    assert_fits(text, width)
    lines = text.splitlines()
    assert len(lines) == 1 + 8  # one line per run: nothing wrapped
    assert lines[0].split()[:3] == ["id", "name", "status"]
    states = [line.split()[2] for line in lines[1:]]
    assert states == ["done", "done", "nan", "done", "done", "failed", "running", "queued"]
    if width == 80:  # a long name is cut in the middle: the model in front, the LR at the end stay
        name = lines[1].split()[1]
        assert name.startswith("CLSFER") and "…" in name and name.endswith("_lr1e-5")
        assert "sweep" not in lines[0] and "age" not in lines[0]  # the least important columns go first
    else:
        assert "CLSFERBaseline_depth2_SearchLR_lr1e-5" in lines[1] and lines[0].split()[-1] == "age"
    assert matches_snapshot(f"ls-{width}", text)


@pytest.mark.parametrize("width", WIDTHS)
def test_show_fits(shown, monkeypatch, width):
    text = cli(shown, monkeypatch, width, "show", "3").replace(str(shown.root), "WORKSPACE")
    assert_fits(text, width)
    assert "nan" in text and "ran 2m07s" in text
    assert matches_snapshot(f"show-{width}", text)


@pytest.mark.parametrize("width", WIDTHS)
def test_board_fits_by_continuing_below(shown, monkeypatch, width):
    text = cli(shown, monkeypatch, width, "board", "CLSFERBaseline_SearchDepthLR")
    assert_fits(text, width)
    assert "82.75 *" in text  # the winner, marked without colour too
    assert matches_snapshot(f"board-{width}", text)
    narrow = cli(shown, monkeypatch, 50, "board", "CLSFERBaseline_SearchDepthLR")
    assert_fits(narrow, 50)
    assert narrow.count("model.depth \\ optim.lr") == 2  # the LRs that do not fit continue in a block below


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_fits(shown, monkeypatch, width):
    text = cli(shown, monkeypatch, width, "compare", "CLSFERBaseline_SearchDepthLR", "--by", "model.depth")
    assert_fits(text, width)
    assert "wins" in text


@pytest.mark.parametrize("width", WIDTHS)
def test_run_summary_and_live_view_fit(shown, width):
    runs = {r["id"]: r for r in shown.runs()}
    ended = {i: r for i, r in runs.items() if r["status"] != "running"}  # what a summary is printed for
    out = io.StringIO()
    view = RunView(list(ended), Console(file=out, width=width, color_system=None))
    view.runs = ended
    assert view.summary() == 1  # a NaN and a failed run
    summary = out.getvalue()
    assert_fits(summary, width)
    assert len([line for line in summary.splitlines() if line.startswith("0000")]) == 7
    assert matches_snapshot(f"run-summary-{width}", summary)
    live = io.StringIO()
    view = RunView(list(runs), Console(file=live, width=width, color_system=None))
    view.runs = runs
    view.console.print(view._table())
    assert_fits(live.getvalue(), width)
    assert "00007" in live.getvalue() and "ep 2.2/4" in live.getvalue() and "71.25" in live.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_sweeps_fits(shown, monkeypatch, width):
    text = cli(shown, monkeypatch, width, "sweeps")
    assert_fits(text, width)
    header = text.splitlines()[0].split()
    assert header[0] == "sweep" and "best" in header and len(text.splitlines()) == 2
