"""A sweep's rows: boards and comparisons read each chunk's rows (runs without their configs),
kept up to date by every write of the chunk, and fall back to the documents when the rows are
stale or lack what a view asks for."""

from __future__ import annotations

from typer.testing import CliRunner

from fertui import store_chunks
from fertui.cli.main import app
from fertui.store_partitions import Partitions
from tests.sweeps.conftest import DEPTH_LR

VIEWS = (
    ("board", "DepthLR"),
    ("board", "DepthLR", "--rows", "run.seed", "--cols", "optim.lr"),
    ("compare", "DepthLR", "--by", "model.depth", "--across", "optim.lr"),
    ("suggest", "DepthLR", "--json"),
)


def _answers(space) -> list[str]:
    out = []
    for args in VIEWS:
        result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
        assert result.exit_code == 0, (args, result.output)
        out.append(result.output)
    return out


def _swept(space, monkeypatch) -> list[str]:
    monkeypatch.setattr(store_chunks, "CHUNK_RUNS", 6)  # the sweep's 20 runs in 4 chunks
    ids = space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all(skip=ids[-1:])
    return ids


def test_views_of_a_sweep_read_its_rows_not_its_documents(space, monkeypatch):
    ids = _swept(space, monkeypatch)
    expected = _answers(space)
    rows_dir = space.store.parts.rows.folder
    assert sorted(p.stem for p in rows_dir.glob("*.json")) == space.store.parts.names()
    opened = []
    original = Partitions.read
    monkeypatch.setattr(Partitions, "read", lambda self, name: opened.append(name) or original(self, name))
    assert _answers(space) == expected
    assert opened == []  # not one chunk parsed
    row = next(r for r in space.store.sweep_rows("DepthLR") if r["id"] == ids[0])
    assert "config" not in dict(row) and row.get("config") == space.store.get_run(ids[0])["config"]


def test_a_late_finisher_updates_its_row(space, monkeypatch):
    ids = _swept(space, monkeypatch)
    before = _answers(space)
    space.finish(ids[-1], "done", 99.0)  # the last run ends: it moves into its chunk and its rows
    space.store.update_run(ids[3], summary={"best": {"val/acc": 98.0}})  # a finished run, late
    rows = {r["id"]: r for r in space.store.sweep_rows("DepthLR")}
    assert rows[ids[-1]]["summary"]["best"]["val/acc"] == 99.0 and rows[ids[-1]]["status"] == "done"
    assert rows[ids[3]]["summary"]["best"]["val/acc"] == 98.0
    assert _answers(space) != before


def test_stale_rows_give_way_to_the_documents(space, monkeypatch):
    ids = _swept(space, monkeypatch)
    parts = space.store.parts
    name = next(n for n in parts.names() if ids[0].lstrip("0") in parts.raw_rows(n))
    path = parts.path(name)
    path.write_text(path.read_text().replace('"status":"done"', '"status":"failed"'))  # by hand
    rows = {r["id"]: r for r in space.store.sweep_rows("DepthLR")}
    assert rows[ids[0]]["status"] == "failed"  # the chunk changed without its rows: they are stale
    (parts.rows.path(name)).write_text("{ torn")
    assert {r["id"]: r["status"] for r in space.store.sweep_rows("DepthLR")}[ids[0]] == "failed"
    space.store.update_run(ids[0], status="done")  # the next write of the chunk makes its rows again
    assert parts.rows.read(name, lambda n: {})[ids[0].lstrip("0")]["status"] == "done"


def test_a_daemon_writing_meanwhile_costs_a_second_read_only_when_a_run_moved(space, monkeypatch):
    ids = _swept(space, monkeypatch)
    store = space.store
    files = len(store.parts.chunks(["sweep-DepthLR"]))
    reads, original = [], store.parts.sweep_rows

    def read_while(change):
        def read(name):
            reads.append(name)
            if len(reads) == 1:
                store.update_run(ids[-1], **change)
            return original(name)

        reads.clear()
        monkeypatch.setattr(store.parts, "sweep_rows", read)
        return {r["id"]: r for r in store.sweep_rows("DepthLR")}

    rows = read_while({"summary": {"step": 7}})  # a live summary: the hot file changed, no run left it
    assert len(reads) == files and rows[ids[-1]]["summary"]["step"] == 7
    rows = read_while({"status": "done"})  # the queued run ended and moved while the files were read
    assert len(reads) > files and sorted(rows) == ids and rows[ids[-1]]["status"] == "done"
