"""Hostile input, as a new user or a careless config would give it: names that become paths,
terminal escapes in names and values, configs nested or chained without end, a huge [params],
a workspace fertui may not write, a console started with no terminal. Each gets one line (exit 2,
no traceback), nothing queued or written outside the workspace, and no escape on the terminal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import Store
from fertui.terminal_text import control_character, printable

ESCAPES = ["\x1b]0;PWNED-TITLE\x07", "\x1b]52;c;cHduZWQ=\x07", "\x1b[2J", "\x9d0;PWNED\x9c", "\x9b2J"]


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


def one_line_error(result) -> bool:
    return result.exit_code == 2 and len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def no_control(text: str) -> bool:
    return control_character(text.replace("\r", "")) is None


def queued_folders(root) -> list:
    runs = root / "runs"
    return sorted(p.name for p in runs.iterdir() if p.name.isdigit()) if runs.is_dir() else []


def sweep_toml(name: str, value: str) -> str:
    return (
        f'[run]\nname = "x{{params.x}}"\n[job]\ncommand = ["python", "-c", "print(1)"]\n'
        f'[sweep]\nname = {json.dumps(name)}\n[sweep.axes]\n"params.x" = [1, {json.dumps(value)}]\n'
    )


def test_printable_strips_8_bit_controls_and_their_strings():
    assert printable("a\x9d0;title\x07b\x9dX\x9cc\x85d\x9b2Je") == "abcde"
    assert all(no_control(printable(f"x{e}y")) for e in ESCAPES)


@pytest.mark.parametrize("payload", ESCAPES)
def test_escapes_in_names_and_values_are_refused_in_one_clean_line(tmp_path, payload):
    for name, value in ((f"s{payload}", "v"), ("s", f"v{payload}")):
        (tmp_path / "sweep.toml").write_text(sweep_toml(name, value))
        result = cli(tmp_path, "add", str(tmp_path / "sweep.toml"))
        assert one_line_error(result) and "control character" in result.output, result.output
        assert no_control(result.output)
    result = cli(tmp_path, "add", "--set", f"run.tags=['{payload}']", "--", "python", "-c", "pass")
    assert result.exit_code == 2 and no_control(result.output), result.output
    assert queued_folders(tmp_path) == []


def test_escapes_already_in_the_store_never_reach_the_terminal(tmp_path):
    assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0
    hot = tmp_path / "runs" / "fertui.json"
    tables = json.loads(hot.read_text())  # a store written before the check, or edited by hand
    run = tables["runs"]["1"]
    run.update(name="n" + ESCAPES[0], sweep="s" + ESCAPES[3], params={"x": ESCAPES[1]})
    tables["sweeps"] = {
        "1": {
            "name": "s" + ESCAPES[3],
            "strategy": "grid",
            "objective": "val/acc",
            "direction": "maximize",
            "seeds": [0],
            "axes": [],
            "roles": {},
        }
    }
    hot.write_text(json.dumps(tables))
    for args in (["ls"], ["ls", "--all"], ["sweeps"], ["show", "1"]):
        result = cli(tmp_path, *args)
        assert result.exit_code == 0 and no_control(result.output), (args, result.output)


def test_escapes_in_a_stored_sweep_never_reach_the_terminal_through_board_and_compare(tmp_path):
    (tmp_path / "sweep.toml").write_text(sweep_toml("s", "2").replace(', "2"]', ", 2]"))
    assert cli(tmp_path, "add", str(tmp_path / "sweep.toml")).exit_code == 0
    store = Store(tmp_path / "runs" / "fertui.json")
    for run, value in zip(store.runs(), (0.5, 0.7)):  # ended as the scheduler records it, values edited in
        store.update_run(
            run["id"],
            status="done",
            name="n" + ESCAPES[0],
            params={**run["params"], "params.x": ESCAPES[run["params"]["params.x"] - 1] + "v"},
            summary={"objective": "val/acc", "best": {"val/acc": value}},
        )
    record = store.get_sweep("s")  # and in the sweep's own axis values, as a hand edit could leave them
    record["axes"] = [{**axis, "values": [ESCAPES[0] + "a", ESCAPES[1] + "b"]} for axis in record["axes"]]
    store.put_sweep(record)
    for args in (
        ["board", "s"],
        ["board", "s", "-f", "md"],
        ["ls", "--sweep", "s"],
        ["sweeps"],
        ["suggest", "s"],
        ["importance", "s"],
    ):
        result = cli(tmp_path, *args)
        assert result.exit_code in (0, 2) and no_control(result.output), (args, result.output)
    assert cli(tmp_path, "board", "s").exit_code == 0


@pytest.mark.parametrize("sweep", ["../../x", "..", "/tmp/abs-x", "a/../../b"])
def test_export_never_writes_outside_runs_exports(tmp_path, sweep):
    (tmp_path / "sweep.toml").write_text(sweep_toml(sweep, "2").replace(', "2"]', ", 2]"))
    assert cli(tmp_path, "add", str(tmp_path / "sweep.toml")).exit_code == 0
    before = {p for p in tmp_path.parent.rglob("*")} | {p for p in Path("/tmp").glob("abs-x*")}
    for args in (["export", sweep], ["export", sweep, "--html"]):
        result = cli(tmp_path, *args)
        assert result.exit_code == 0, result.output
        exports = (tmp_path / "runs" / "exports").resolve()
        for line in result.output.split():
            assert Path(line).resolve().is_relative_to(exports), line
    after = {p for p in tmp_path.parent.rglob("*")} | {p for p in Path("/tmp").glob("abs-x*")}
    assert all(p.is_relative_to(tmp_path) for p in after - before)


def test_out_options_of_the_wrong_kind_are_one_line(tmp_path):
    (tmp_path / "sweep.toml").write_text(sweep_toml("s", "2"))
    assert cli(tmp_path, "add", str(tmp_path / "sweep.toml")).exit_code == 0
    (tmp_path / "afile").write_text("keep")
    (tmp_path / "adir").mkdir()
    for args in (
        ["export", "s", "--out", str(tmp_path / "afile")],
        ["export", "s", "--html", "--out", str(tmp_path / "afile")],
        ["report", "--out", str(tmp_path / "adir")],
    ):
        result = cli(tmp_path, *args)
        assert one_line_error(result) and "--out" in result.output, (args, result.output)
    assert (tmp_path / "afile").read_text() == "keep"


def test_deep_long_and_huge_configs_are_one_line_each(tmp_path):
    for i in range(1000):  # a base chain 1,000 files long
        (tmp_path / f"c{i}.toml").write_text(f'base = "c{i + 1}.toml"\n' if i < 999 else '[job]\ncommand = ["true"]\n')
    (tmp_path / "arrays.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "tables.toml").write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    (tmp_path / "huge.toml").write_text(
        '[job]\ncommand = ["true"]\n[params]\n' + "".join(f'k{i} = "{"x" * 1000}"\n' for i in range(26_000))
    )
    expected = {"c0.toml": "base chain", "arrays.toml": "nested", "tables.toml": "nested", "huge.toml": "MB"}
    for name, words in expected.items():
        result = cli(tmp_path, "add", str(tmp_path / name))
        assert one_line_error(result) and words in result.output, (name, result.output)
    wide = "[" + ", ".join(f'"{"y" * 1000}"' for _ in range(400)) + "]"  # 400 KB in one --set value
    result = cli(tmp_path, "add", "--set", f"run.tags={wide}", "--", "python", "-c", "pass")
    assert one_line_error(result) and "KB a run may have" in result.output, result.output
    assert queued_folders(tmp_path) == []


def test_add_with_no_scheduler_says_how_to_start_one(tmp_path):
    result = cli(tmp_path, "add", "--", "python", "-c", "pass")
    assert result.exit_code == 0
    assert "queued; no scheduler is running: `fertui daemon start` or `fertui run`" in result.stderr


@pytest.mark.slow
def test_the_console_without_a_terminal_refuses_at_once(tmp_path):
    with open(tmp_path / "out", "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "fertui.cli.main", "--workspace", str(tmp_path)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2 and b"needs a terminal" in done.stderr, done.stderr
    assert not (tmp_path / "runs" / "scheduler.pid").exists()  # no daemon started behind it


def as_someone_else(root, *args) -> subprocess.CompletedProcess:
    """fertui as root without the power to override file permissions: like any other user."""
    caps = "-dac_override,-dac_read_search,-fowner"
    return subprocess.run(
        [
            "setpriv",
            f"--inh-caps={caps}",
            f"--bounding-set={caps}",
            sys.executable,
            "-m",
            "fertui.cli.main",
            "--workspace",
            str(root),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_a_workspace_owned_by_a_colleague_is_one_line_per_command(tmp_path):
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to act as someone who may not write the workspace")
    assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0
    subprocess.run(["chown", "-R", "65534:65534", str(tmp_path)], check=True)
    subprocess.run(["chmod", "-R", "go-w,a+rX", str(tmp_path)], check=True)
    for args in (
        ["add", "--", "python", "-c", "pass"],
        ["cancel", "1"],
        ["daemon", "start"],
        ["store", "restore", "--force"],
    ):
        done = as_someone_else(tmp_path, *args)
        assert done.returncode == 2 and "permission denied" in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert as_someone_else(tmp_path, "ls").returncode == 0  # reading is fine


@pytest.fixture
def read_only_disk(tmp_path):
    mount = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    assert cli(mount, "add", "--", "python", "-c", "pass").exit_code == 0
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(mount), str(mount)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount read-only here ({done.stderr.decode().strip() or 'not root'})")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], capture_output=True, check=False)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


@pytest.mark.slow
def test_a_read_only_workspace_is_one_line_per_command(read_only_disk):
    for args in (["add", "--", "python", "-c", "pass"], ["cancel", "1"], ["daemon", "start"]):
        result = cli(read_only_disk, *args)
        assert one_line_error(result) and "read-only" in result.output, (args, result.output)
    assert cli(read_only_disk, "ls").exit_code == 0
