"""Every listing, board and comparison gives the same answer from a partitioned store, from the
same runs in an older single-file store, migrated on first use, and from a store whose partitions
an older fertui wrote whole, split into chunks on first use."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from fertui import store_chunks
from fertui.cli.main import app
from fertui.jsonio import dumps, loads
from fertui.store import LAYOUT_DOC, migration_backup_path
from fertui.store_partitions import add_to_ranges
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


def _answers(space, commands=COMMANDS) -> list[str]:
    out = []
    for args in commands:
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
    assert migration_backup_path(space.store.path).exists() and space.store.parts.names() == ["sweep-DepthLR+0"]
    assert migrated == partitioned


def _as_whole_partitions(space) -> None:
    """Put each partition's runs into one file, in the order they finished, and mark the hot
    file with layout 2: the store as fertui wrote it before chunks."""
    store = space.store
    whole: dict[str, dict] = {}
    for name in store.parts.names():
        whole.setdefault(name.split("+")[0], {}).update(store.parts.read(name))
        store.parts.remove(name)
    index = {}
    for name, runs in whole.items():
        ordered = dict(sorted(runs.items(), key=lambda kv: -int(kv[0])))  # not by number
        store.parts.path(name).write_text(
            '{"runs":{\n' + ",\n".join(f'"{n}":{dumps(doc)}' for n, doc in ordered.items()) + "\n}}\n"
        )
        for n in runs:
            index[name] = add_to_ranges(index.get(name, []), int(n))
    store.parts.write_index(index)
    tables = loads(store.path.read_text())
    tables["meta"][LAYOUT_DOC] = {"layout": 2}
    store.path.write_text(dumps(tables))


def test_answers_are_the_same_before_and_after_rechunking(space, monkeypatch):
    monkeypatch.setattr(store_chunks, "CHUNK_RUNS", 3)  # the sweep's 20 runs span 7 chunks
    ids = space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all(skip=ids[-2:])
    loose = space.store.add_runs([{"name": f"probe{i}"} for i in range(4)])  # runs 21-24: a month
    space.store.update_runs({i: {"status": "done"} for i in loose})
    commands = (*COMMANDS, ("show", "23", "--json"), ("ls", "--json", "--limit", "5", "--status", "done"))
    chunked = _answers(space, commands)
    chunks = space.store.parts.names()
    assert len(chunks) == 9 and all("+" in name for name in chunks)
    _as_whole_partitions(space)
    assert len(space.store.parts.names()) == 2  # the sweep's file and the month's
    assert _answers(space, commands) == chunked
    assert space.store.parts.names() == chunks  # split once, by the first command
    assert loads(space.store.path.read_text())["meta"][LAYOUT_DOC] == {"layout": 3}
