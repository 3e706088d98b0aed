"""Every listing, board and comparison gives the same answer from a partitioned store and from
the same runs in an older single-file store, migrated on first use."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.jsonio import dumps, loads
from fertui.store import LAYOUT_DOC, migration_backup_path
from tests.sweeps.conftest import DEPTH_LR

COMMANDS = (
    ("ls", "--all", "--json"),
    ("ls", "--json", "--limit", "3"),
    ("show", "7", "--json"),
    ("board", "DepthLR"),
    ("board", "DepthLR", "--view", "isolation"),
    ("compare", "DepthLR", "--by", "model.depth", "--across", "optim.lr"),
    ("sweeps",),
)


def _answers(space) -> list[str]:
    out = []
    for args in COMMANDS:
        result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
        assert result.exit_code == 0, (args, result.output)
        out.append("\n".join(line for line in result.output.splitlines() if not line.startswith("fertui: ")))
    return out


def _as_single_file(space) -> None:
    """Put every partition's runs back into runs/fertui.json, as fertui wrote stores before."""
    store = space.store
    tables = loads(store.path.read_text())
    for name in store.parts.names():
        tables["runs"].update(store.parts.read(name))
    tables["runs"] = dict(sorted(tables["runs"].items(), key=lambda kv: int(kv[0])))
    del tables["meta"][LAYOUT_DOC]
    store.path.write_text(dumps(tables))
    shutil.rmtree(store.parts.folder)


def test_answers_are_the_same_before_and_after_migration(space):
    ids = space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all(skip=ids[-2:])  # two runs stay queued: the hot file is not empty
    partitioned = _answers(space)
    assert "DepthLR" in partitioned[3]
    _as_single_file(space)
    migrated = _answers(space)
    assert migration_backup_path(space.store.path).exists() and space.store.parts.names() == ["sweep-DepthLR"]
    assert migrated == partitioned
