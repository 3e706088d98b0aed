"""The console at scale: it opens on active and recent runs, loads older partitions on demand,
and parses again only the partition files that changed."""

import time

from fertui import store_chunks
from fertui.store import Store
from fertui.tui import watcher as watcher_module
from fertui.tui.watcher import Watcher
from fertui.workspace import open_workspace


def _workspace(tmp_path, sweeps=3, per_sweep=300):
    ws = open_workspace(tmp_path)
    store = Store(ws.store_path)
    for s in range(sweeps):
        ids = store.add_runs([{"name": f"s{s}_{i}", "sweep": f"S{s}"} for i in range(per_sweep)])
        store.update_runs({i: {"status": "done", "ended": time.time()} for i in ids})
    store.add_runs([{"name": "live"}])
    return ws, store


def _poll(watcher, posted):
    watcher.snapshot_taken.set()
    watcher._poll_store()
    return posted[-1].snapshot["runs"] if posted else {}


def test_the_watcher_reads_recent_partitions_then_all_on_demand(tmp_path, monkeypatch):
    monkeypatch.setattr(store_chunks, "CHUNK_RUNS", 1000)  # one chunk a sweep: a file is a sweep here
    ws, store = _workspace(tmp_path)
    monkeypatch.setattr(watcher_module, "RECENT_RUNS", 500)
    posted, parsed = [], []
    watcher = Watcher(ws, posted.append)
    original = watcher.store.parts.read
    watcher.store.parts.read = lambda name: parsed.append(name) or original(name)
    runs = _poll(watcher, posted)
    assert sorted(parsed) == ["sweep-S1+0", "sweep-S2+0"]  # the two newest hold 600 >= 500 runs
    assert len(runs) == 601 and watcher.partitions_left == 1
    parsed.clear()
    store.update_run("00301", note="seen")  # a run of S1 changed: only S1 is parsed again
    runs = _poll(watcher, posted)
    assert parsed == ["sweep-S1+0"] and runs["301"]["note"] == "seen"
    parsed.clear()
    watcher.load_older(300)  # `o`: a step more, so one more partition
    runs = _poll(watcher, posted)
    assert parsed == ["sweep-S0+0"] and len(runs) == 901 and watcher.partitions_left == 0
    parsed.clear()
    _poll(watcher, posted)  # nothing changed: nothing parsed, nothing posted
    assert parsed == [] and len(posted) == 3


async def test_the_runs_screen_offers_older_runs_and_loads_them(tmp_path, monkeypatch):
    from fertui.tui.app import make_app
    from fertui.tui.widgets.runs_table import RunsTable

    ws, _ = _workspace(tmp_path, sweeps=2, per_sweep=30)
    monkeypatch.setattr(watcher_module, "RECENT_RUNS", 20)
    app = make_app(ws, start_daemon=False)
    async with app.run_test(size=(120, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.runs:
                break
        assert len(app.runs) == 31
        assert "o: older runs" in str(app.screen.query_one("#runs-status").render())
        await pilot.press("o")
        for _ in range(100):
            await pilot.pause(0.05)
            if len(app.runs) == 61:
                break
        assert len(app.runs) == 61 and app.screen.query_one(RunsTable).row_count == 61


def test_each_older_request_adds_a_step_and_a_filter_loads_all(tmp_path, monkeypatch):
    ws, _ = _workspace(tmp_path, sweeps=4, per_sweep=100)
    monkeypatch.setattr(watcher_module, "RECENT_RUNS", 150)
    monkeypatch.setattr(watcher_module, "OLDER_STEP", 100)
    posted = []
    watcher = Watcher(ws, posted.append)
    assert len(_poll(watcher, posted)) == 201 and watcher.partitions_left == 2  # S3, S2 and the live run
    watcher.load_older()
    assert len(_poll(watcher, posted)) == 301 and watcher.partitions_left == 1
    watcher.load_all()
    assert len(_poll(watcher, posted)) == 401 and watcher.partitions_left == 0


def test_the_runs_table_shows_active_and_the_newest_finished_matches():
    from fertui.tui.rows import shown_runs

    runs = {f"{i:05d}": {"id": f"{i:05d}", "name": f"r{i}", "status": "done"} for i in range(1, 31)}
    runs["00031"] = {"id": "00031", "name": "live", "status": "running"}
    runs["00002"]["status"] = "queued"  # an old id, still active: always shown
    rows, hidden = shown_runs(runs, "", 10)
    assert sorted(rows) == ["00002", *[f"{i:05d}" for i in range(21, 32)]] and hidden == 19
    rows, hidden = shown_runs(runs, "r1*", 5)  # r1, r10..r19: 11 finished matches, the newest 5
    assert sorted(rows) == [f"{i:05d}" for i in range(15, 20)] and hidden == 6
    assert shown_runs(runs, "", float("inf"))[0] == runs
