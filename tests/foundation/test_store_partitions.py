"""The partitioned store: finished runs move out of the hot file once, every reader finds them,
a write touches only what changed, an older single-file store migrates, and kill -9 during a
move loses nothing."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from fertui.jsonio import dumps
from fertui.store import FINAL_STATES, Store, migration_backup_path
from fertui.store_partitions import add_to_ranges, partition_of, safe_name


def _finish(store, ids, status="done", **fields):
    store.update_runs({i: {"status": status, "ended": time.time(), **fields} for i in ids})


def _files(store):
    return {
        p.name: (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in store.parts.folder.glob("*.json")
        if not p.name.startswith(".")
    }  # the partitions, not their index


def test_a_finished_run_leaves_the_hot_file_and_is_found_everywhere(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    swept = store.add_runs([{"name": f"s{i}", "sweep": "lr grid"} for i in range(3)])
    [loose] = store.add_runs([{"name": "loose"}])
    _finish(store, swept[:2])
    _finish(store, [loose], status="failed")
    hot = json.loads(store.path.read_text())
    assert sorted(r["id"] for r in hot["runs"].values()) == [swept[2]]  # only the active run stays hot
    month = partition_of(store.get_run(loose))
    assert store.parts.read_index() == {f"sweep-{safe_name('lr grid')}+0": [[1, 2]], f"{month}+0": [[4, 4]]}
    assert sorted(_files(store)) == sorted([f"sweep-{safe_name('lr grid')}+0.json", f"{month}+0.json"])
    assert [r["id"] for r in store.runs()] == [*swept, loose]
    assert [r["id"] for r in store.sweep_runs("lr grid")] == swept
    assert store.resolve_run("loose")["status"] == "failed" and store.get_run(swept[0])["status"] == "done"
    assert [r["id"] for r in store.active_runs()] == [swept[2]]


def test_a_board_reads_one_partition_and_a_change_rewrites_only_its_own(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    a = store.add_runs([{"name": f"a{i}", "sweep": "A"} for i in range(3)])
    b = store.add_runs([{"name": f"b{i}", "sweep": "B"} for i in range(3)])
    _finish(store, a + b)
    before = _files(store)
    store.update_run(a[0], note="re-read the logs")  # a finished run changed: partition A only
    after = _files(store)
    assert after["sweep-B+0.json"] == before["sweep-B+0.json"] and after["sweep-A+0.json"] != before["sweep-A+0.json"]
    assert store.get_run(a[0])["note"] == "re-read the logs"
    store.parts.path("sweep-B+0").write_text("{ torn")  # sweep A's readers never open B's file
    assert [r["id"] for r in store.sweep_runs("A")] == a
    assert store.get_run(a[1])["name"] == "a1"
    with pytest.raises(Exception, match=r"sweep-B\+0\.json"):
        store.runs()


def test_a_claim_on_a_finished_run_sees_its_partition_copy(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    [run_id] = store.add_runs([{"name": "x"}])
    _finish(store, [run_id])
    assert store.claim_run(run_id, ("queued",), {"status": "cancelled"}) is None  # already done
    back = store.claim_run(run_id, ("done",), {"status": "queued"})  # e.g. a hand restore
    assert back["status"] == "queued" and [r["id"] for r in store.active_runs()] == [run_id]
    assert store.runs() == [back] and store.parts.names() == []


def test_ranges_merge_neighbours():
    ranges = []
    for n in (5, 3, 4, 9, 1):
        ranges = add_to_ranges(ranges, n)
    assert ranges == [[1, 1], [3, 5], [9, 9]]


def test_recent_runs_are_the_newest_across_partitions(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    ids = []
    for block in range(4):  # interleaved sweeps: the newest runs are spread over partitions
        for sweep in ("A", "B"):
            ids += store.add_runs([{"name": f"{sweep}{block}{i}", "sweep": sweep} for i in range(3)])
    _finish(store, ids)
    [active] = store.add_runs([{"name": "now"}])
    picked, more = store.recent_runs(5)
    assert [r["id"] for r in picked] == sorted(ids)[-5:] + [active] and more
    picked, more = store.recent_runs(100)
    assert len(picked) == len(ids) + 1 and not more


def _old_single_file_store(path, finished=40, active=2):
    """A store as fertui wrote it before partitions: every run in one file."""
    runs = {}
    for n in range(1, finished + active + 1):
        runs[str(n)] = {
            "id": f"{n:05d}",
            "name": f"r{n}",
            "sweep": "S" if n % 2 else None,
            "status": "done" if n <= finished else "queued",
            "created": 1_790_000_000.0 + n,
            "summary": {"best": {"val/acc": float(n)}, "last": {"train/loss": float("nan")}},
        }
    tables = {
        "runs": runs,
        "sweeps": {"1": {"name": "S", "axes": []}},
        "benchmarks": {"1": {"model": "m"}},
        "alerts": {"1": {"run": "00003", "kind": "nan", "message": "m", "time": 1.0, "acked": False}},
        "meta": {"1": {"next_run": finished + active + 1}, "2": {"queue": "paused"}},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(tables))
    return tables


def test_an_older_single_file_store_migrates_on_first_use(tmp_path, capsys):
    path = tmp_path / "runs" / "fertui.json"
    old = _old_single_file_store(path)
    old_text = path.read_text()
    store = Store(path)
    assert len(store.active_runs()) == 2  # the first read moved the 40 finished runs
    assert "moved 40 finished runs" in capsys.readouterr().err
    assert migration_backup_path(path).read_text() == old_text
    runs = store.runs()
    assert [r["id"] for r in runs] == [f"{n:05d}" for n in range(1, 43)]
    assert json.dumps(runs, default=str) == json.dumps(
        sorted(old["runs"].values(), key=lambda r: r["id"]), default=str
    )  # NaN kept, nothing changed
    assert store.sweeps() == [{"name": "S", "axes": []}] and store.benchmarks() == [{"model": "m"}]
    assert store.alerts()[0]["run"] == "00003"
    assert store.snapshot()["meta"]["2"] == {"queue": "paused"}
    assert store.add_runs([{"name": "next"}]) == ["00043"]  # ids continue
    Store(path).active_runs()
    assert "moved" not in capsys.readouterr().err  # once


MOVER = textwrap.dedent("""
    import sys, time
    from fertui.store import Store
    store = Store(sys.argv[1])
    print("ready", flush=True)
    while True:
        ids = store.add_runs([{"name": "w", "sweep": "S" if i % 2 else None, "blob": "x" * 2000}
                              for i in range(20)])
        store.update_runs({i: {"status": "done", "ended": time.time()} for i in ids})
""")


def test_kill_9_while_runs_move_into_partitions_loses_none(tmp_path):
    path = tmp_path / "runs" / "fertui.json"
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", MOVER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.15 + 0.11 * attempt)  # land the kill at different points of a move
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        store = Store(path)
        counter = store.snapshot().get("meta", {}).get("1", {}).get("next_run", 1)  # 1: killed before a write
        runs = store.runs()  # every file parses; the hot copy wins where a run is in two
        assert [r["id"] for r in runs] == [f"{n:05d}" for n in range(1, counter)]
        assert all(r["status"] in ("queued", "done") for r in runs)
        store.update_runs({r["id"]: {"status": "done"} for r in runs if r["status"] == "queued"})
        assert not store.active_runs() and len(store.runs()) == counter - 1


ENQUEUER = textwrap.dedent("""
    import sys
    from fertui.plan import enqueue
    from fertui.run_docs import run_doc
    from fertui.config import config_from_command
    from fertui.workspace import open_workspace
    ws = open_workspace(sys.argv[1])
    for i in range(25):
        enqueue(ws, [run_doc(config_from_command(["true"], [f"run.name=p{sys.argv[2]}_{i}"]))])
""")

FINISHER = textwrap.dedent("""
    import sys, time
    from fertui.store import Store
    from fertui.workspace import open_workspace
    store = Store(open_workspace(sys.argv[1]).store_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        queued = [r["id"] for r in store.active_runs()]
        store.update_runs({i: {"status": "done", "ended": time.time()} for i in queued})
        if len(store.runs()) >= 100 and not store.active_runs():
            break
        time.sleep(0.02)
""")


def test_four_processes_enqueue_while_runs_finish_and_move(tmp_path):
    finisher = subprocess.Popen([sys.executable, "-c", FINISHER, str(tmp_path)])
    procs = [subprocess.Popen([sys.executable, "-c", ENQUEUER, str(tmp_path), str(p)]) for p in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert finisher.wait(timeout=90) == 0
    store = Store(tmp_path / "runs" / "fertui.json")
    runs = store.runs()
    assert len(runs) == 100 and len({r["id"] for r in runs}) == 100
    assert {r["name"] for r in runs} == {f"p{p}_{i}" for p in range(4) for i in range(25)}
    assert all(r["status"] in FINAL_STATES for r in runs) and not store.active_runs()


def test_a_damaged_partition_names_its_file_and_backup(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    ids = store.add_runs([{"name": "a", "sweep": "A"}, {"name": "b", "sweep": "A"}])
    _finish(store, ids[:1])
    _finish(store, ids[1:])  # the second move keeps the first version as sweep-A+0.json.bak
    shutil.copy(store.parts.path("sweep-A+0"), tmp_path / "good")
    store.parts.path("sweep-A+0").write_text("")
    with pytest.raises(Exception) as caught:
        store.sweep_runs("A")
    assert "sweep-A+0.json" in str(caught.value) and "sweep-A+0.json.bak" in str(caught.value)


def test_store_restore_puts_a_damaged_partition_back(tmp_path):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    store = Store(tmp_path / "runs" / "fertui.json")
    ids = store.add_runs([{"name": "a", "sweep": "A"}, {"name": "b", "sweep": "A"}])
    _finish(store, ids[:1])
    _finish(store, ids[1:])
    store.parts.path("sweep-A+0").write_text("{ torn")
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "store", "restore"])
    assert result.exit_code == 0, result.output
    assert "restored" in result.output and "sweep-A+0.json" in result.output
    assert [r["name"] for r in store.sweep_runs("A")] == ["a"]  # the backup is one move behind


def test_ls_shows_active_and_recent_runs_and_all_on_request(tmp_path):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    store = Store(tmp_path / "runs" / "fertui.json")
    old = store.add_runs([{"name": f"old{i}", "sweep": "A"} for i in range(60)])
    _finish(store, old)
    [live] = store.add_runs([{"name": "live"}])
    runner = CliRunner()
    shown = json.loads(runner.invoke(app, ["--workspace", str(tmp_path), "ls", "--json"]).output)
    assert [r["id"] for r in shown] == old[-50:] + [live]
    result = runner.invoke(app, ["--workspace", str(tmp_path), "ls", "--limit", "3"])
    assert result.exit_code == 0 and "older finished runs not shown" in result.output
    assert [line.split()[0] for line in result.output.splitlines() if line[:1].isdigit()] == [*old[-3:], live]
    every = json.loads(runner.invoke(app, ["--workspace", str(tmp_path), "ls", "--json", "--all"]).output)
    assert [r["id"] for r in every] == old + [live]
    named = json.loads(runner.invoke(app, ["--workspace", str(tmp_path), "ls", "--json", "--name", "old1?"]).output)
    assert [r["name"] for r in named] == [f"old{i}" for i in range(10, 20)]


def test_a_full_json_listing_passes_stored_lines_through_and_reads_hand_edited_files(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    ids = store.add_runs([{"name": f"a{i}", "sweep": "A", "summary": {"loss": float("nan")}} for i in range(3)])
    _finish(store, ids)
    assert store.parts.raw_rows("sweep-A+0") is not None  # one run a line, as fertui writes them
    expected = [r["id"] for r in store.runs()]
    path = store.parts.path("sweep-A+0")
    path.write_text(json.dumps(json.loads(path.read_text()), indent=2))  # someone pretty-printed it
    assert store.parts.raw_rows("sweep-A+0") is None
    texts = [t for _, t in store.json_rows()]
    assert [json.loads(t)["id"] for t in texts] == expected
    assert '{"$float":"nan"}' in texts[0]  # the same tagged JSON as every other listing


def test_ls_of_one_sweep_reads_only_its_partition(tmp_path):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    store = Store(tmp_path / "runs" / "fertui.json")
    a = store.add_runs([{"name": f"a{i}", "sweep": "A"} for i in range(5)])
    b = store.add_runs([{"name": f"b{i}", "sweep": "B"} for i in range(5)])
    _finish(store, a + b)
    store.parts.path("sweep-B+0").write_text("{ torn")  # never opened for sweep A
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "ls", "--sweep", "A", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.output[result.output.index("[") :])] == a[-2:]
