"""Alerts beyond the newest HOT_ALERTS leave the hot file for runs/store/alerts/<month>.json, so a
year of NaN and failed runs does not make every live-summary write slower."""

from __future__ import annotations

import json
import time

from fertui.store import Store
from fertui.store_alerts import ARCHIVE_BATCH, HOT_ALERTS


def test_old_alerts_move_to_monthly_archives_and_ids_continue(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    [run] = store.add_runs([{"name": "live"}])
    month = 31 * 24 * 3600
    with store.transaction() as db:  # a store from before the archive: 500 alerts in the hot file
        db.table("alerts").insert_multiple(
            [
                {
                    "run": f"{i:05d}",
                    "kind": "nan",
                    "message": f"m{i}",
                    "acked": i % 2 == 0,
                    "time": time.time() - 1000 - (2 * month if i < 100 else 0) + i,
                }
                for i in range(500)
            ]
        )
    hot = json.loads(store.path.read_text())["alerts"]
    assert len(hot) == HOT_ALERTS and min(map(int, hot)) == 301  # the newest, acknowledged or not
    archived = store.archived_alerts()
    assert [a["message"] for a in archived] == [f"m{i}" for i in range(300)]
    assert len(list((store.parts.folder / "alerts").glob("*.json"))) == 2  # by the month raised

    for i in range(ARCHIVE_BATCH):  # a batch more stays in the hot file: an archive write per batch
        store.add_alert(run, "failed", f"new{i}")
    alerts = store.alerts()
    assert alerts[-1]["message"] == f"new{ARCHIVE_BATCH - 1}" and alerts[-1]["doc_id"] == 500 + ARCHIVE_BATCH
    assert len(alerts) == HOT_ALERTS + ARCHIVE_BATCH and len(store.archived_alerts()) == 300
    store.add_alert(run, "failed", "one more")
    assert len(store.alerts()) == HOT_ALERTS and store.archived_alerts()[-1]["message"] == "m400"
    store.update_run(run, summary={"last": {"loss": 0.5}})  # a live write: nothing more moves
    assert len(store.alerts()) == HOT_ALERTS and len(store.archived_alerts()) == 401


def test_an_alert_archived_twice_after_a_kill_is_kept_once(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    with store.transaction() as db:
        db.table("alerts").insert_multiple(
            [
                {"run": None, "kind": "x", "message": f"m{i}", "time": 1e9 + i}
                for i in range(HOT_ALERTS + ARCHIVE_BATCH + 1)
            ]
        )
    [path] = (store.parts.folder / "alerts").glob("*.json")
    archive = json.loads(path.read_text())
    hot = json.loads(store.path.read_text())["alerts"]
    first_hot = min(hot, key=int)
    archive["alerts"][first_hot] = hot[first_hot]
    path.write_text(json.dumps(archive))  # killed after the archive write, before the hot one
    with store.transaction() as db:
        db.table("alerts").insert_multiple(
            [{"run": None, "kind": "x", "message": "later", "time": 2e9}] * ARCHIVE_BATCH
        )
    messages = [a["message"] for a in store.archived_alerts()]
    assert messages == [f"m{i}" for i in range(len(messages))]  # each once, in order, none lost


def test_a_damaged_archive_is_set_aside_and_never_blocks_a_write(tmp_path):
    store = Store(tmp_path / "runs" / "fertui.json")
    folder = store.parts.folder / "alerts"
    folder.mkdir(parents=True)
    month = time.strftime("%Y-%m")
    (folder / f"{month}.json").write_text("")  # truncated by a crash or a full disk
    assert store.archived_alerts() == []
    for i in range(HOT_ALERTS + ARCHIVE_BATCH + 1):
        store.add_alert(None, "x", f"m{i}")
    assert [a["message"] for a in store.archived_alerts()] == [f"m{i}" for i in range(ARCHIVE_BATCH + 1)]
    assert len(list(folder.glob(f"{month}.json.damaged-*"))) == 1
