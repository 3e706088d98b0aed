"""One presentation of a run: ls, fertui run and the console show the same run with the same
progress, duration and best text; cells carry their meaning as values; colour only where wanted;
Click's usage errors in fertui's one-line style; shell completion that works."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

import fertui.cli.runs as runs_cli
from fertui.cli.main import app
from fertui.columns import Column, column_blocks, fit
from fertui.presentation import Cell, present
from fertui.scheduler.view import RunView
from fertui.sweeps import render
from fertui.sweeps.webreport.markup import table as html_table
from fertui.tui.rows import run_cells
from tests.foundation.shown_runs import NOW, fill

# An SGR sequence that sets a colour (30-37, 38;…, 90-97, backgrounds): bold alone is no colour.
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def test_the_same_run_reads_the_same_in_ls_run_and_the_console(tmp_path, monkeypatch):
    space = fill(tmp_path)
    monkeypatch.setattr(runs_cli, "clock", lambda: NOW)
    monkeypatch.setenv("COLUMNS", "200")
    ls = CliRunner().invoke(app, ["--workspace", str(tmp_path), "ls"]).stdout
    ls_rows = {line.split()[0]: line for line in ls.splitlines()[1:]}
    runs = {r["id"]: r for r in space.runs()}
    out = io.StringIO()
    view = RunView(list(runs), Console(file=out, width=200, color_system=None))
    view.runs = runs
    view.summary()
    summary_rows = {line.split()[0]: line for line in out.getvalue().splitlines() if line.startswith("0000")}
    for run_id in ("00001", "00003", "00006"):  # done, NaN, failed
        line, cells = present(runs[run_id], NOW), run_cells(runs[run_id], NOW)
        assert (cells["best"], cells["progress"], cells["duration"]) == (line.best, line.progress, line.duration)
        for shown in (ls_rows[run_id], summary_rows[run_id]):
            assert f"  {line.progress}  " in shown and f"  {line.duration}" in shown
            assert line.best_value in shown
    done = present(runs["00001"], NOW)
    assert (done.best, done.progress, done.duration) == ("val/acc 80.75", "ep 4/4", "2m05s")
    running = present(runs["00007"], NOW)
    assert (running.progress, running.duration, running.eta) == ("ep 2.2/4", "2m05s", "5m00s")


def test_columns_drop_in_order_and_never_cut_the_id_or_the_status():
    columns = [
        Column("id", "id", rank=0, cut="never"),
        Column("name", "name", rank=0, min_width=10, cut="middle"),
        Column("status", "status", rank=0, cut="never"),
        Column("best", "best", rank=1, cut="never"),
        Column("age", "age", rank=2, cut="never"),
    ]
    rows = [
        {
            "id": "00001",
            "name": "CLSFERBaseline_depth4_SearchLR",
            "status": "done (no val/acc)",
            "best": "80.75",
            "age": "3d",
        }
    ]
    assert [(f.column.key, f.width) for f in fit(columns, rows, None)] == [
        ("id", 5),
        ("name", 30),
        ("status", 17),
        ("best", 5),
        ("age", 3),
    ]
    assert [(f.column.key, f.width) for f in fit(columns, rows, 46)] == [
        ("id", 5),
        ("name", 13),
        ("status", 17),
        ("best", 5),
    ]  # age went first; the name takes what is left
    tight = fit(columns, rows, 20)  # narrower than id + status: they still show whole
    assert [(f.column.key, f.width) for f in tight] == [("id", 5), ("name", 10), ("status", 17)]
    assert column_blocks([22, 12, 12, 12, 12], 70, overhead=3) == [[1, 2, 3], [4]]
    assert column_blocks([22, 12, 12], None) == [[1, 2]]


def test_a_winning_cell_is_a_value_every_front_end_shows_its_own_way():
    header, rows = (
        ["lr", "depth 2", "depth 4"],
        [[Cell("1e-4"), Cell("80.10"), Cell("82.30", best=True)], [Cell("1e-2"), Cell("NaN", state="nan"), Cell("")]],
    )
    assert "| 1e-4 | 80.10 | **82.30** |" in render.md_table(header, rows)
    assert render.rows_csv(header, rows).splitlines()[1] == "1e-4,80.10,82.30"
    assert '<td class="best"><strong>82.30 ★</strong></td>' in html_table(header, rows)
    out = io.StringIO()
    console = Console(file=out, width=80, color_system="truecolor", force_terminal=True)
    for t in render.plain_tables(header, rows, "board", 80):
        console.print(t)
    assert "82.30 *" in out.getvalue() and "\x00" not in out.getvalue()
    assert rows[1][1].state == "nan" and "\x00" not in render.md_table(header, rows)


def in_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """fertui ARGS run on a pseudo-terminal (so it may colour), its output as written."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: fertui on the terminal
        os.execve(sys.executable, [sys.executable, "-m", "fertui.cli.main", *args], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode(errors="replace")


def test_no_color_is_respected_and_a_terminal_gets_colour(tmp_path):
    space = fill(tmp_path)
    log = space.ws.run_dir("00001") / "stdout.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("epoch 1 \x1b[31mval/acc 80.75\x1b[0m\n")  # a job that colours its own output
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), TERM="xterm-256color")
    for args in (["ls"], ["show", "3"], ["board", "CLSFERBaseline_SearchDepthLR"], ["logs", "1"]):
        cmd = ["--workspace", str(tmp_path), *args]
        shown = in_a_terminal(cmd, {**env, "NO_COLOR": "1"})
        assert not COLOUR.search(shown), f"{args} coloured under NO_COLOR"
        assert "00001" in shown or "00003" in shown or "82.75" in shown or "val/acc 80.75" in shown
    for args in (["ls"], ["logs", "1"]):  # a terminal gets colour
        assert COLOUR.search(in_a_terminal(["--workspace", str(tmp_path), *args], env)), args
    piped = subprocess.run(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(tmp_path), "ls"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "\x1b[" not in piped.stdout  # a pipe gets neither colour nor cut names
    assert "CLSFERBaseline_depth2_SearchLR_lr3.2e-4" in piped.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ls", "--frob"], "fertui: error: No such option: --frob (see 'fertui ls --help')"),
        (["show"], "fertui: error: Missing argument 'run'. (see 'fertui show --help')"),
        (["--frob"], "fertui: error: No such option: --frob (see 'fertui --help')"),
        (["ls", "--status"], "fertui: error: Option '--status' requires an argument. (see 'fertui ls --help')"),
        (
            ["daemon", "stat"],
            "fertui: error: No such command 'stat'. Did you mean 'start', 'status'? (see 'fertui daemon --help')",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, expected):
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == expected and result.stdout == ""


def test_shell_completion_is_installable_and_completes(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    fertui = [sys.executable, "-m", "fertui.cli.main"]
    assert "--install-completion" in CliRunner().invoke(app, ["--help"]).stdout
    # the script --show-completion prints for the shell it detects, asked for by name (no shell to detect here)
    script = subprocess.run(
        fertui, capture_output=True, text=True, env={**env, "_FERTUI_COMPLETE": "source_zsh"}, timeout=60
    )
    assert script.returncode == 0 and "#compdef fertui" in script.stdout
    done = subprocess.run(
        fertui,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "_FERTUI_COMPLETE": "complete_bash", "COMP_WORDS": "fertui boa", "COMP_CWORD": "1"},
    )
    assert done.stdout.split() == ["board"]

    def complete(words: str) -> list[str]:
        return subprocess.run(
            fertui,
            capture_output=True,
            text=True,
            timeout=60,
            env={
                **env,
                "_FERTUI_COMPLETE": "complete_bash",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
            },
        ).stdout.split()

    assert complete(f"fertui --workspace {tmp_path} board ") == []
    assert not (tmp_path / "runs").exists()  # TAB in a folder that is no workspace makes none
    fill(tmp_path)
    assert complete(f"fertui --workspace {tmp_path} board CLS") == ["CLSFERBaseline_SearchDepthLR"]
    assert complete(f"fertui --workspace {tmp_path} ls --status f") == ["failed"]


def test_the_best_column_names_its_metric_once_only_when_all_runs_share_it():
    from fertui.presentation import with_shared_best

    acc = {"id": "00001", "status": "done", "summary": {"objective": "val/acc", "best": {"val/acc": 80.75}}}
    err = {"id": "00002", "status": "done", "summary": {"objective": "val/err", "best": {"val/err": 0.2}}}
    queued = {"id": "00003", "status": "queued"}
    label, rows = with_shared_best([present(acc), present(queued)])
    assert label == "val/acc" and [r["best"] for r in rows] == ["80.75", ""]
    label, rows = with_shared_best([present(acc), present(err)])
    assert label == "best" and [r["best"] for r in rows] == ["val/acc 80.75", "val/err 0.2"]
