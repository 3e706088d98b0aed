"""Older alerts leave the hot file: ``runs/store/alerts/<YYYY-MM>.json``.

Every NaN, failed or lost run raises an alert, and alerts used to stay in the hot file for
ever; after a year of sweeps the scheduler's live-summary write (twice a second) rewrote
thousands of them each time (10,000 alerts: 139 ms a write). The hot file now keeps the newest
``HOT_ALERTS`` to ``HOT_ALERTS + ARCHIVE_BATCH``, acknowledged or not (a headless user never
acknowledges), which is what the console shows; a transaction that leaves more moves the oldest
into the month they were raised in, a batch at a time (a month's archive is rewritten once per
batch, not once per alert). An archive keeps each alert's id and is written before the hot file
drops it (a kill in between leaves a copy in both, never none); ``archived_alerts`` reads them
back. A damaged archive is set aside (``<month>.json.damaged-<time>``), never a reason for a
store write to fail.
"""

from __future__ import annotations

import time
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.jsonio import dumps
from fertui.store_backup import read_json_file, set_aside

HOT_ALERTS = 200
ARCHIVE_BATCH = 100
ALERTS_DIR = "alerts"


def month_of(alert: dict) -> str:
    when = alert.get("time")
    return time.strftime("%Y-%m", time.localtime(float(when) if isinstance(when, (int, float)) else time.time()))


def archive_overflow(alerts: dict[str, dict], folder: Path) -> None:
    """When ALERTS (the hot file's table, changed in place) holds over HOT_ALERTS + ARCHIVE_BATCH,
    move all but the newest HOT_ALERTS into FOLDER (``runs/store/alerts``); called under the
    store lock, before the hot write."""
    if len(alerts) <= HOT_ALERTS + ARCHIVE_BATCH:
        return
    ids = sorted(alerts, key=int)
    by_month: dict[str, dict[str, dict]] = {}
    for doc_id in ids[: len(ids) - HOT_ALERTS]:
        by_month.setdefault(month_of(alerts[doc_id]), {})[doc_id] = alerts[doc_id]
    folder.mkdir(parents=True, exist_ok=True)
    for month, moved in sorted(by_month.items()):
        path = folder / f"{month}.json"
        try:
            kept = read_json_file(path, "alerts").get("alerts", {})
        except UserError:  # a damaged archive must never block a store write: set it aside
            set_aside(path)
            kept = {}
        kept.update(moved)
        lines = ",\n".join(f'"{k}":{dumps(v)}' for k, v in sorted(kept.items(), key=lambda kv: int(kv[0])))
        atomic_write_text(path, '{"alerts":{\n' + lines + "\n}}\n")
    for moved in by_month.values():
        for doc_id in moved:
            del alerts[doc_id]


def archived_alerts(folder: Path) -> list[dict]:
    """Every archived alert, oldest first, with its ``doc_id``."""
    rows: dict[int, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            archived = read_json_file(path, "alerts").get("alerts", {})
        except UserError:  # damaged: the next archive write sets it aside
            continue
        for k, v in archived.items():
            rows[int(k)] = {"doc_id": int(k), **v}
    return sorted(rows.values(), key=lambda a: (a.get("time", 0), a["doc_id"]))
