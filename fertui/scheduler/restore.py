"""``fertui store restore``: put a damaged store back without ever making things worse.

A restore starts only when something is damaged (a file that does not read or has the wrong
shape, a missing hot file, an earlier restore that was killed), unless ``--force``. Then:

1. each damaged partition gets its ``.bak`` back, or without a good one is set aside and its
   runs come back from their folders (step 3);
2. the hot file gets its ``.bak`` back; when that is damaged too (a double fault) the runs are
   rebuilt from their folders and the sweep records from their copies in ``runs/store/sweeps/``;
3. every run the restored store calls active is checked against its folder, which is never one
   write behind: a job still alive is adopted (``running``, with its pid), a job that ended gets
   the ending its folder shows, a run cancelled while queued stays cancelled, a run a partition
   holds finished stays finished. A run folder the store does not know comes back the same way,
   except one that never started and whose id nobody was given (``fertui.store_acks``);
4. the result is written in one atomic write of the hot file, so a scheduler watching the store
   sees the reconciled store and never a stale ``queued`` for a job it runs.

``runs/fertui.json.restoring`` exists from the first change to the last: if a restore is killed,
every command refuses until ``fertui store restore`` runs again and finishes the job.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import StoreDamaged, UserError
from fertui.jsonio import dumps
from fertui.scheduler.launch_record import recorded_launch
from fertui.scheduler.outcome import recorded_stop
from fertui.scheduler.queue_state import QUEUE_DOC_ID
from fertui.scheduler.rebuild import doc_from_folder, ended_fields, started_in
from fertui.store import ACTIVE_STATES, FINAL_STATES, Store, restore_mark_path
from fertui.store_acks import acknowledged
from fertui.store_backup import backup_path, good_backup, read_json_file, set_aside
from fertui.store_sweep_copies import read_sweep_copies
from fertui.workspace import Workspace

COUNTER_DOC_ID = "1"  # meta doc 1: the run counter (see Store.add_runs)


@dataclass
class Damage:
    """What is wrong with a store before a restore."""

    hot: str | None = None  # the hot file's problem (None: it reads)
    partitions: list[str] = field(default_factory=list)  # damaged partition names
    interrupted: bool = False  # a restore was killed before it finished

    @property
    def found(self) -> bool:
        return bool(self.hot or self.partitions or self.interrupted)


@dataclass
class RestoreReport:
    store: Path
    hot_source: str | None = None  # "backup", "run folders", None: untouched
    hot_kept: Path | None = None  # where the damaged hot file went
    partitions_restored: list[tuple[Path, Path]] = field(default_factory=list)  # (file, damaged copy)
    partitions_rebuilt: list[tuple[Path, Path]] = field(default_factory=list)
    reconciled: list[tuple[str, str]] = field(default_factory=list)  # (run id, what its folder showed)
    rebuilt: list[dict] = field(default_factory=list)
    not_queued: list[str] = field(default_factory=list)  # folders of ids nobody was given
    active_runs: int = 0


def diagnose(store: Store) -> Damage:
    damage = Damage(interrupted=restore_mark_path(store.path).exists())
    try:
        store.read_hot()
    except StoreDamaged as exc:
        damage.hot = str(exc)
    for name in store.parts.names():
        try:
            read_json_file(store.parts.path(name), "runs")
        except StoreDamaged:
            damage.partitions.append(name)
    return damage


def restore_store(ws: Workspace, force: bool = False) -> RestoreReport:
    store = Store(ws.store_path, restoring=True)
    report = RestoreReport(store=store.path)
    with store.lock:  # no write may land between the check and the swap
        damage = diagnose(store)
        if not damage.found and not force:
            raise UserError(
                f"{store.path}: the store is healthy (every file reads); nothing to restore. "
                f"`fertui store restore --force` rolls back to {backup_path(store.path).name}, "
                "keeping what the run folders show"
            )
        rollback = force and not damage.hot and not damage.interrupted
        if rollback and good_backup(store.path) is None:
            raise UserError(f"{backup_path(store.path)}: no good backup to roll back to")
        mark = restore_mark_path(store.path)
        atomic_write_text(mark, json.dumps({"started": time.time()}))
        _restore_partitions(store, damage.partitions, report)
        tables = _hot_tables(store, damage, rollback, report)
        _reconcile(ws, store, tables, report)
        atomic_write_text(store.path, dumps(tables))  # one write: a watching scheduler sees it whole
        with store.transaction():
            pass  # the commit moves the runs that ended into their partitions
        mark.unlink()
    return report


def _restore_partitions(store: Store, names: list[str], report: RestoreReport) -> None:
    for name in names:
        path = store.parts.path(name)
        backup = good_backup(path)
        kept = set_aside(path)
        if backup is not None:
            atomic_write_text(path, backup[0])
            report.partitions_restored.append((path, kept))
        else:  # its runs come back from their folders, as runs the store does not know
            report.partitions_rebuilt.append((path, kept))


def _hot_tables(store: Store, damage: Damage, rollback: bool, report: RestoreReport) -> dict:
    """The hot tables to reconcile: the file as it is, or its backup, or (neither reads) empty."""
    if not damage.hot and not rollback:
        return store.read_hot()
    current = store.read_hot() if rollback else None
    backup = good_backup(store.path)
    tables = backup[1] if backup else {}
    report.hot_source = "backup" if backup else "run folders"
    if current is not None:  # a rollback on purpose keeps the queue's state as it is now
        queue_doc = current.get("meta", {}).get(str(QUEUE_DOC_ID))
        if queue_doc:
            tables.setdefault("meta", {})[str(QUEUE_DOC_ID)] = queue_doc
    sweeps = tables.setdefault("sweeps", {})
    named = {doc.get("name") for doc in sweeps.values()}
    for doc in read_sweep_copies(store.parts.folder):  # sweeps the backup lacks (or all, with no backup)
        if doc.get("name") not in named:
            sweeps[str(max((int(k) for k in sweeps), default=0) + 1)] = doc
    if store.path.exists():  # a healthy file rolled back on purpose is not "damaged"
        report.hot_kept = set_aside(store.path, "replaced" if rollback else "damaged")
    return tables


def _reconcile(ws: Workspace, store: Store, tables: dict, report: RestoreReport) -> None:
    from fertui.scheduler.executors import make_executor

    executor = make_executor(ws)
    runs = tables.setdefault("runs", {})
    sweeps = {doc.get("name"): doc for doc in tables.get("sweeps", {}).values()}
    finished = {
        number
        for name in store.parts.names()
        for number, doc in store.parts.read(name).items()
        if doc.get("status") in FINAL_STATES
    }
    for number, doc in list(runs.items()):
        if doc.get("status") not in ACTIVE_STATES:
            continue
        new, note = _as_folder_shows(ws, doc, executor, sweeps)
        if note is None and number in finished:  # it ended and moved; this copy is one write behind
            del runs[number]
            report.reconciled.append((doc["id"], "finished (its partition holds the ending)"))
        elif note is not None:
            runs[number] = new
            report.reconciled.append((doc["id"], note))
    known = set(runs) | {number for name in store.parts.names() for number in store.parts.read(name)}
    given = acknowledged(ws.runs_dir)
    highest = max((int(n) for n in known), default=0)
    for folder in sorted(p for p in ws.runs_dir.iterdir() if p.name.isdigit() and p.is_dir()):
        highest = max(highest, int(folder.name))
        if str(int(folder.name)) in known or not (folder / "config.toml").is_file():
            continue
        doc = doc_from_folder(folder, sweeps)
        if doc is None:
            continue
        if not started_in(folder) and given is not None and doc["id"] not in given:
            report.not_queued.append(doc["id"])
            continue
        queued = {**doc, "status": "queued", "summary": {"last": {}, "best": {}}}
        new, _ = _as_folder_shows(ws, queued, executor, sweeps)
        runs[str(int(folder.name))] = new
        report.rebuilt.append(new)
    counter = tables.setdefault("meta", {}).setdefault(COUNTER_DOC_ID, {})
    counter["next_run"] = max(int(counter.get("next_run", 1)), highest + 1)
    report.active_runs = sum(1 for doc in runs.values() if doc.get("status") in ACTIVE_STATES)


def _as_folder_shows(ws: Workspace, doc: dict, executor, sweeps: dict) -> tuple[dict, str | None]:
    """DOC (a run the store calls active) as its folder shows it, and what changed (None: nothing)."""
    folder = ws.run_dir(doc["id"])
    if not started_in(folder):
        stop = recorded_stop(folder)
        if stop and stop["reason"] == "cancel":
            return {
                **doc,
                "status": "cancelled",
                "ended": stop.get("time") or time.time(),
            }, "cancelled (its folder keeps the cancel)"
        return doc, None
    launched = {**doc, **(recorded_launch(folder) or {})}
    if (
        not (folder / "exit.json").exists()
        and launched.get("executor", "local") == executor.kind
        and executor.adopt(launched)
    ):
        if doc.get("status") == "running" and doc.get("pid") == launched.get("pid"):
            return doc, None
        return {**launched, "status": "running"}, f"running (its job, pid {launched.get('pid')}, is alive: adopted)"
    spec = sweeps.get(doc.get("sweep")) if doc.get("sweep") else None
    ended = {**launched, **ended_fields(launched, folder, spec)}
    return ended, f"{ended['status']} (its folder shows the job ended)"


def report_lines(report: RestoreReport) -> list[str]:
    lines = [
        f"restored {path} from {backup_path(path).name}; the damaged file is {kept}"
        for path, kept in report.partitions_restored
    ]
    lines += [
        f"{path} had no good backup: set aside as {kept}; its runs are rebuilt from their folders"
        for path, kept in report.partitions_rebuilt
    ]
    if report.hot_source == "backup":
        lines.append(
            f"restored {report.store} from {backup_path(report.store).name} ({report.active_runs} "
            "active runs)" + (f"; the file it replaced is {report.hot_kept}" if report.hot_kept else "")
        )
    elif report.hot_source:
        lines.append(
            f"rebuilt {report.store} from the run folders (no good backup)"
            + (f"; the damaged file is {report.hot_kept}" if report.hot_kept else "")
        )
    lines += [f"{run_id}: {note}" for run_id, note in report.reconciled]
    if report.rebuilt:
        lines.append(
            f"{len(report.rebuilt)} run(s) the store did not hold rebuilt from their folders: "
            + ", ".join(f"{d['id']} {d['status']}" for d in report.rebuilt)
        )
    if report.not_queued:
        lines.append(
            f"not queued (never started, and no id was ever printed for them: a `fertui add` "
            f"stopped before its store write): {', '.join(report.not_queued)}"
        )
    return lines
