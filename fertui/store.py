"""The store: one TinyDB file (runs/fertui.json) with runs, sweeps, benchmarks and alerts.

Every write replaces the file atomically (temp file, fsync, rename) under a cross-process
file lock, so a reader never needs the lock and never sees a torn file. Non-finite floats
are tagged so the file stays valid JSON.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from filelock import FileLock
from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.jsonio import dumps, loads
from fertui.store_backup import damaged, keep_backup

RUN_STATES = ("queued", "running", "done", "failed", "nan", "oom", "cancelled", "pruned", "lost", "held")
ACTIVE_STATES = ("queued", "running", "held")  # held: a failing sweep's queued runs, waiting for `queue resume`
FINAL_STATES = tuple(s for s in RUN_STATES if s not in ACTIVE_STATES)


def status_text(run: dict) -> str:
    """The run's state as people read it: ``done (no val/acc)`` for a sweep run that finished
    without ever reporting its sweep's objective (the scheduler records ``no_metric``)."""
    status = run.get("status", "")
    return f"{status} (no {run['no_metric']})" if status == "done" and run.get("no_metric") else status
TABLES = ("runs", "sweeps", "benchmarks", "alerts", "meta")
LOCK_TIMEOUT_S = 60


def read_json_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    if not text.strip():  # fertui never writes an empty store: this one was truncated
        raise damaged(path, f"is empty ({len(text)} bytes)")
    try:
        return loads(text)
    except (ValueError, RecursionError) as exc:
        raise damaged(path, f"is not valid JSON ({exc})") from None


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes through :func:`atomic_write_text`."""

    def __init__(self, path: str):
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        return read_json_file(self.path) or None

    def write(self, data: dict[str, Any]) -> None:
        keep_backup(self.path)  # the file this transaction read and parsed: the last good store
        atomic_write_text(self.path, dumps(data))

    def close(self) -> None:
        pass


def run_id_for(seq: int) -> str:
    return f"{seq:05d}"


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)

    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Exclusive read-modify-write: one read and one atomic write for the whole block."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            db = TinyDB(str(self.path), storage=CachingMiddleware(AtomicJSONStorage))
            try:
                yield db
            finally:
                db.close()  # flushes the cached writes in one atomic write

    def snapshot(self) -> dict[str, dict[str, dict]]:
        """All tables as {table: {doc_id: doc}}, read without the lock."""
        return read_json_file(self.path)

    def table(self, name: str) -> list[dict]:
        return list(self.snapshot().get(name, {}).values())

    # ---- runs -------------------------------------------------------------------------
    def runs(self) -> list[dict]:
        return sorted(self.table("runs"), key=lambda r: r["id"])

    def get_run(self, run_id: str) -> dict | None:
        return self.snapshot().get("runs", {}).get(str(int(run_id))) if run_id.isdigit() else None

    def resolve_run(self, ref: str) -> dict:
        """A run by id (leading zeros optional) or by unique name; UserError otherwise."""
        run = self.get_run(ref.strip())
        if run is not None:
            return run
        named = [r for r in self.table("runs") if r.get("name") == ref]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(r["id"] for r in named[:5])
            raise UserError(f"run name '{ref}' is ambiguous ({ids}...); use an id")
        raise UserError(f"no run '{ref}' in {self.path}")

    def add_runs(self, docs: list[dict], prepare=None) -> list[str]:
        """Insert DOCS as queued runs; PREPARE(run_id, doc) runs first (e.g. writes its folder).

        All or nothing: if PREPARE or the write fails, no run is inserted.
        """
        now = time.time()
        with self.transaction() as db:
            meta = db.table("meta")
            counter = meta.get(doc_id=1)
            seq = counter["next_run"] if counter else 1
            runs, ids = db.table("runs"), []
            n = seq
            for doc in docs:
                while (self.path.parent / run_id_for(n)).exists():  # a folder left by an older store
                    n += 1
                run_id = run_id_for(n)
                full = {"id": run_id, "status": "queued", "created": now, "attempts": 0, **doc}
                if prepare:
                    prepare(run_id, full)
                runs.insert(Document(full, doc_id=n))
                ids.append(run_id)
                n += 1
            meta.upsert(Document({"next_run": n}, doc_id=1))
        return ids

    def put_recovered_runs(self, docs: list[dict]) -> None:
        """Insert run documents that already have their ids (see store_backup.run_folders_missing)."""
        with self.transaction() as db:
            runs = db.table("runs")
            for doc in docs:
                runs.insert(Document(doc, doc_id=int(doc["id"])))

    def update_runs(self, changes: dict[str, dict]) -> None:
        """Apply {run_id: {field: value}} in one write; nested ``summary`` dicts are merged."""
        if not changes:
            return
        with self.transaction() as db:
            runs = db.table("runs")
            for run_id, fields in changes.items():
                doc_id = int(run_id)
                current = runs.get(doc_id=doc_id)
                if current is None:
                    continue
                if "summary" in fields and isinstance(current.get("summary"), dict):
                    fields = {**fields, "summary": {**current["summary"], **fields["summary"]}}
                runs.update(fields, doc_ids=[doc_id])

    def update_run(self, run_id: str, **fields: Any) -> None:
        self.update_runs({run_id: fields})

    def claim_run(self, run_id: str, expect: tuple[str, ...], fields) -> dict | None:
        """Apply FIELDS to RUN_ID only if its status is in EXPECT, atomically; the new doc or None.

        FIELDS may be a callable(doc) -> dict | None, called under the lock (e.g. to launch the
        job and record its pid in the same write); returning None leaves the run unchanged.
        """
        with self.transaction() as db:
            runs = db.table("runs")
            current = runs.get(doc_id=int(run_id))
            if current is None or current.get("status") not in expect:
                return None
            changes = fields(dict(current)) if callable(fields) else dict(fields)
            if changes is None:
                return None
            if isinstance(changes.get("summary"), dict) and isinstance(current.get("summary"), dict):
                changes["summary"] = {**current["summary"], **changes["summary"]}
            runs.update(changes, doc_ids=[int(run_id)])
            return {**current, **changes}

    # ---- alerts -----------------------------------------------------------------------
    def add_alert(self, run_id: str | None, kind: str, message: str, **extra: Any) -> None:
        with self.transaction() as db:
            db.table("alerts").insert({"run": run_id, "kind": kind, "message": message,
                                       "time": time.time(), "acked": False, **extra})

    def alerts(self) -> list[dict]:
        rows = [{"doc_id": int(k), **v} for k, v in self.snapshot().get("alerts", {}).items()]
        return sorted(rows, key=lambda a: a["time"])

    def ack_alerts(self, doc_ids: list[int]) -> None:
        with self.transaction() as db:
            db.table("alerts").update({"acked": True}, doc_ids=doc_ids)

    # ---- sweeps and benchmarks ----------------------------------------------------------
    def sweeps(self) -> list[dict]:
        return self.table("sweeps")

    def get_sweep(self, name: str) -> dict | None:
        return next((s for s in self.sweeps() if s.get("name") == name), None)

    def put_sweep(self, doc: dict) -> None:
        from tinydb import Query

        with self.transaction() as db:
            db.table("sweeps").upsert(doc, Query().name == doc["name"])

    def add_benchmark(self, doc: dict) -> None:
        with self.transaction() as db:
            db.table("benchmarks").insert({"time": time.time(), **doc})

    def benchmarks(self) -> list[dict]:
        return self.table("benchmarks")
