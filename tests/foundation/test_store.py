"""The store: atomic writes, cross-process safety, non-finite numbers, ids and names."""

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

from fertui.store import Store, run_id_for
from fertui.workspace import open_workspace


def test_nonfinite_values_round_trip_as_valid_json(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    [run_id] = store.add_runs([{"name": "x"}])
    store.update_run(run_id, summary={"last": {"train/loss": math.nan, "up": math.inf, "down": -math.inf}})
    json.loads((tmp_path / "runs" / "fertui.json").read_text())  # strict JSON: no bare NaN
    last = store.get_run(run_id)["summary"]["last"]
    assert math.isnan(last["train/loss"]) and last["up"] == math.inf and last["down"] == -math.inf


def test_ids_are_short_sortable_and_skip_leftover_folders(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    (tmp_path / "runs" / run_id_for(3)).mkdir(parents=True)  # a folder from an older store
    ids = store.add_runs([{"name": f"r{i}"} for i in range(4)])
    assert ids == ["00001", "00002", "00004", "00005"]
    assert ids == sorted(ids)
    assert store.resolve_run("4")["name"] == "r2"
    assert store.resolve_run("r3")["id"] == "00005"


def test_summary_updates_merge(tmp_path):
    store = Store(tmp_path / "fertui.json")
    [run_id] = store.add_runs([{"name": "x"}])
    store.update_run(run_id, summary={"step": 1, "best": {"val/acc": 50.0}})
    store.update_run(run_id, summary={"step": 2})
    assert store.get_run(run_id)["summary"] == {"step": 2, "best": {"val/acc": 50.0}}


WRITER = textwrap.dedent("""
    import sys
    from fertui.store import Store
    store = Store(sys.argv[1])
    ids = store.add_runs([{"name": "w", "blob": "x" * 2000} for _ in range(200)])
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        store.update_runs({rid: {"summary": {"step": i, "pad": "y" * (i % 997)}} for rid in ids})
""")


def test_writer_killed_mid_write_leaves_a_readable_store(tmp_path):
    path = tmp_path / "runs" / "fertui.json"
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.07 * attempt)  # land the kill at different points of a write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        data = json.loads(path.read_text())
        assert len(data["runs"]) == 200 * (attempt + 1)
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 5  # a killed writer may leave its temp file; the store itself is whole


ENQUEUER = textwrap.dedent("""
    import sys
    from fertui.plan import enqueue
    from fertui.config import config_from_command
    from fertui.run_docs import run_doc
    from fertui.workspace import open_workspace
    ws = open_workspace(sys.argv[1])
    for i in range(25):
        enqueue(ws, [run_doc(config_from_command(["true"], [f"run.name=p{sys.argv[2]}_{i}"]))])
""")


def test_four_processes_enqueue_25_runs_each_none_lost(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", ENQUEUER, str(tmp_path), str(p)]) for p in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    runs = Store(open_workspace(tmp_path).store_path).runs()
    assert len(runs) == 100
    assert len({r["id"] for r in runs}) == 100
    assert {r["name"] for r in runs} == {f"p{p}_{i}" for p in range(4) for i in range(25)}
    for r in runs:  # every queued run has its folder with the resolved config
        assert (tmp_path / "runs" / r["id"] / "config.toml").is_file()
