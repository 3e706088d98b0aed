"""Damage that parses: valid JSON of the wrong shape, a file and its backup both lost, the same
run in two partitions, an `add` killed before its store write, a migration on a full disk. Each
stops commands with one line (exit 2, no traceback) or is resolved by a documented rule, and
`fertui store restore` never writes a bad file over a good one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import Store
from fertui.store_backup import backup_path
from tests.waiting import wait_for

WRONG_SHAPES = ["null", "[]", "{}", '{"runs": []}', '{"runs": {"1": "x"}}', '{"runs": {"x": {}}}', '"text"']


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


def one_line_error(result) -> bool:
    return result.exit_code == 2 and len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def finished_runs(root, n: int = 2) -> Store:
    """N runs, finished by hand (as a scheduler would close them), in their month partition."""
    for _ in range(n):
        assert cli(root, "add", "--", "python", "-c", "pass").exit_code == 0
    store = Store(root / "runs" / "fertui.json")
    for i in range(1, n + 1):
        run_dir = root / "runs" / f"{i:05d}"
        (run_dir / "exit.json").write_text(json.dumps({"exit_code": 0, "ended": 2.0, "started": 1.0}))
        (run_dir / "stdout.log").write_text("")
        store.update_run(f"{i:05d}", status="done", exit_code=0, ended=2.0)
    return store


@pytest.mark.parametrize("shape", WRONG_SHAPES)
def test_a_hot_file_of_the_wrong_shape_is_never_made_the_backup_nor_restored(tmp_path, shape):
    for _ in range(2):
        assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0
    hot = tmp_path / "runs" / "fertui.json"
    good_backup = backup_path(hot).read_bytes()
    hot.write_text(shape)
    for args in (["ls"], ["show", "1"], ["add", "--", "python", "-c", "pass"], ["cancel", "1"]):
        result = cli(tmp_path, *args)
        assert one_line_error(result) and "wrong shape" in result.output, (args, result.output)
    assert backup_path(hot).read_bytes() == good_backup  # the bad file never rotated into .bak

    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in Store(hot).runs()) == ["00001", "00002"]


@pytest.mark.parametrize("shape", WRONG_SHAPES)
def test_a_partition_of_the_wrong_shape_stops_commands_and_its_backup_is_checked(tmp_path, shape):
    store = finished_runs(tmp_path)
    [name] = store.parts.names()
    partition = store.parts.path(name)
    backup_path(partition).write_text(shape)  # its backup is of the wrong shape too
    partition.write_text(shape)
    for args in (["ls"], ["ls", "--all", "--json"], ["show", "1"]):
        result = cli(tmp_path, *args)
        assert one_line_error(result) and "wrong shape" in result.output, (args, result.output)
    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0 and "no good backup" in result.output, result.output
    assert {r["id"]: r["status"] for r in store.runs()} == {"00001": "done", "00002": "done"}


def test_an_index_of_the_wrong_shape_is_only_a_missing_hint(tmp_path):
    store = finished_runs(tmp_path)
    (store.parts.folder / ".index.json").write_text('{"month-2026-01": "1-40"}')
    result = cli(tmp_path, "show", "2", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["status"] == "done"
    assert cli(tmp_path, "ls").exit_code == 0


def test_a_double_fault_is_rebuilt_from_the_run_folders(tmp_path):
    store = finished_runs(tmp_path, 3)
    assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0  # 00004 stays queued
    hot = store.path
    hot.write_text('{"runs": {"1": {"id": "00')
    backup_path(hot).write_text("null")
    result = cli(tmp_path, "ls")
    assert one_line_error(result) and "damaged too" in result.output and "from their folders" in result.output, (
        result.output
    )

    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0 and "from the run folders" in result.output, result.output
    assert {r["id"]: r["status"] for r in store.runs()} == {
        "00001": "done",
        "00002": "done",
        "00003": "done",
        "00004": "queued",
    }
    assert cli(tmp_path, "add", "--", "python", "-c", "pass").output.split()[0] == "00005"


def test_ls_all_json_over_a_damaged_line_exits_non_zero(tmp_path):
    store = finished_runs(tmp_path)
    [name] = store.parts.names()
    partition = store.parts.path(name)
    lines = partition.read_text().split("\n")
    lines[1] = lines[1][:-20] + "\x00garbage},"  # one run's line torn inside, the layout intact
    partition.write_text("\n".join(lines))
    result = cli(tmp_path, "ls", "--all", "--json")
    assert one_line_error(result) and "not valid JSON" in result.output, result.output


def test_the_same_run_in_two_partitions_is_listed_once_by_the_documented_rule(tmp_path):
    store = finished_runs(tmp_path, 3)
    [name] = store.parts.names()
    copy = json.loads(store.parts.path(name).read_text())["runs"]["2"]
    other = store.parts.path("month-1999-01")  # a hand edit, or a kill between two writes
    other.write_text(json.dumps({"runs": {"2": {**copy, "name": "older copy"}}}))
    for args in (["ls"], ["ls", "--all"], ["ls", "--limit", "1"], ["ls", "--limit", "2", "--json"]):
        result = cli(tmp_path, *args)
        assert result.exit_code == 0 and "older copy" not in result.output, (args, result.output)
    rows = json.loads(cli(tmp_path, "ls", "--all", "--json").output)
    assert [r["id"] for r in rows] == ["00001", "00002", "00003"]
    assert store.get_run("2")["name"] != "older copy"  # the partition with the newest runs wins


@pytest.mark.slow
def test_an_add_killed_before_its_store_write_is_not_queued_by_a_restore(tmp_path):
    for _ in range(2):
        assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0
    sweep = tmp_path / "big.toml"  # 3,000 runs: their folders take seconds to write, all before the store write
    sweep.write_text(
        '[job]\ncommand = ["python", "-c", "pass"]\n[sweep]\nname = "big"\n'
        '[sweep.axes]\n"params.x" = ' + str(list(range(3000))) + "\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(tmp_path), "add", str(sweep)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: (tmp_path / "runs" / "00010").exists(), timeout=120, what="the add writing folders")
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.communicate()[0] == b""  # no id was printed
    store = Store(tmp_path / "runs" / "fertui.json")
    assert [r["id"] for r in store.runs()] == ["00001", "00002"]

    store.path.write_text("")
    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0 and "not queued" in result.output, result.output
    assert [r["id"] for r in store.runs()] == ["00001", "00002"]


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip() or 'not root'})")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


@pytest.mark.slow
def test_the_migration_on_a_full_disk_is_one_line_and_leaves_nothing_half_made(small_disk):
    runs = small_disk / "runs"
    runs.mkdir()
    doc = {
        "status": "done",
        "created": 1.7e9,
        "name": "r",
        "summary": {"best": {"val/acc": 0.5}},
        "config": {"pad": "x" * 1500},
    }
    tables = {"runs": {str(i): {**doc, "id": f"{i:05d}"} for i in range(1, 1001)}, "meta": {"1": {"next_run": 1001}}}
    (runs / "fertui.json").write_text(json.dumps(tables))  # an older single-file store of 1,000 runs (~1.7 MB)
    before = (runs / "fertui.json").read_bytes()
    result = cli(small_disk, "ls")
    assert one_line_error(result) and "no space left" in result.output, result.output
    assert (runs / "fertui.json").read_bytes() == before
    assert not (runs / "fertui.json.single-file").exists()
    assert not [p for p in runs.rglob("*") if p.name.endswith(".tmp")]
