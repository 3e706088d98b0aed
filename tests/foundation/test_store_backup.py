"""A damaged store (empty or not JSON) stops every command with one line naming the backup, and
`fertui store restore` puts the previous good store back with every run folder accounted for."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.store import Store


def cli(root, *args):
    return CliRunner().invoke(app, ["--workspace", str(root), *args])


@pytest.mark.parametrize("damage", ["", '{"runs": {"1": {"id": "00'])
def test_damaged_store_is_one_line_then_restore_accounts_for_every_run(tmp_path, damage):
    for _ in range(3):
        assert cli(tmp_path, "add", "--", "python", "-c", "pass").exit_code == 0
    (tmp_path / "runs" / "00002" / "exit.json").write_text(json.dumps({"exit_code": 0, "ended": 1.0}))
    (tmp_path / "runs" / "00002" / "stdout.log").write_text("")
    store = tmp_path / "runs" / "fertui.json"
    store.write_text(damage)
    for args in (["ls"], ["show", "1"], ["add", "--", "python", "x.py"], ["daemon", "start"]):
        result = cli(tmp_path, *args)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, (args, result.output)
        assert "fertui.json.bak" in result.output and "fertui store restore" in result.output
    assert store.read_text() == damage  # nothing was written over it

    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0, result.output
    runs = {r["id"]: r["status"] for r in Store(store).runs()}
    # the backup is the store before the third add; run 00003 comes back from its folder, never started;
    # 00002's folder shows that its job ran and exited 0: done, never queued to run a second time
    assert runs == {"00001": "queued", "00002": "done", "00003": "queued"}, runs
    assert list((tmp_path / "runs").glob("fertui.json.damaged-*"))[0].read_text() == damage
    assert cli(tmp_path, "add", "--", "python", "-c", "pass").output.split()[0] == "00004"


def test_restore_without_a_backup_rebuilds_from_the_run_folders(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "fertui.json").write_text("")
    result = cli(tmp_path, "store", "restore")
    assert result.exit_code == 0 and "from the run folders (no good backup)" in result.output, result.output
    assert cli(tmp_path, "ls").exit_code == 0
