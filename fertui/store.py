"""The store: a small hot TinyDB file and the finished runs' partitions.

``runs/fertui.json`` (hot) holds what changes: queued and running runs with their live
summaries, sweeps, benchmarks, alerts and meta (run counter, queue state, layout version).
A run that reaches a final state is moved, in the same transaction, into its partition under
``runs/store/`` (one file per sweep, one per month outside sweeps; see
:mod:`fertui.store_partitions`), which is written again only when that run changes. So a write
costs the hot file (and, when a run ends, one partition), whatever the number of finished runs.

Every write replaces a file atomically (temp file, fsync, rename) under one cross-process file
lock, so a reader never needs the lock and never sees a torn file. Non-finite floats are tagged
so the files stay valid JSON. An older single-file store is migrated on first use.
"""

from __future__ import annotations

import heapq
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from tinydb.storages import Storage

if TYPE_CHECKING:
    from tinydb import TinyDB

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.jsonio import dumps
from fertui.store_alerts import ALERTS_DIR, archive_overflow, archived_alerts
from fertui.store_backup import keep_backup, read_json_file
from fertui.store_partitions import PARTITION_DIR, Partitions, add_to_ranges, in_ranges, partition_of, sweep_partition

RUN_STATES = ("queued", "running", "done", "failed", "nan", "oom", "cancelled", "pruned", "lost", "held")
ACTIVE_STATES = ("queued", "running", "held")  # held: a failing sweep's queued runs, waiting for `queue resume`
FINAL_STATES = tuple(s for s in RUN_STATES if s not in ACTIVE_STATES)


def status_text(run: dict) -> str:
    """The run's state as people read it: ``done (no val/acc)`` for a sweep run that finished
    without ever reporting its sweep's objective (the scheduler records ``no_metric``)."""
    status = run.get("status", "")
    if status in ("queued", "held") and run.get("waiting"):  # why it does not start (fertui.depends)
        return f"{status} ({run['waiting']})"
    return f"{status} (no {run['no_metric']})" if status == "done" and run.get("no_metric") else status
TABLES = ("runs", "sweeps", "benchmarks", "alerts", "meta")
LOCK_TIMEOUT_S = 60
LAYOUT_DOC = "3"  # meta doc: the layout version, the migration's mark (1: the run counter, 2: the queue)
LAYOUT_VERSION = 2


def migration_backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".single-file")


def file_signature(path: Path):
    """(mtime, size, inode) of PATH, or None: a cheap "has it changed?" without reading it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class _HeldStorage(Storage):
    """TinyDB storage over tables already read: a transaction writes once, at its end."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.written = False

    def read(self) -> dict[str, Any] | None:
        return self.data or None

    def write(self, data: dict[str, Any]) -> None:
        self.data = data
        self.written = True

    def close(self) -> None:
        pass


class _Transaction:
    """One transaction's view of the partitions: the ones it read, changed or must prune."""

    def __init__(self, parts: Partitions):
        self.parts = parts
        self.read: dict[str, dict[str, dict]] = {}
        self.changed: set[str] = set()
        self.moved_back: dict[str, set[str]] = {}  # partition -> run numbers now in the hot file
        self._index: dict | None = None

    def index(self) -> dict:
        if self._index is None:
            self._index = self.parts.read_index()
        return self._index

    def partition(self, name: str) -> dict[str, dict]:
        if name not in self.read:
            self.read[name] = self.parts.read(name)
        return self.read[name]


def run_id_for(seq: int) -> str:
    return f"{seq:05d}"


class Store:
    """The hot file (active runs, sweeps, benchmarks, alerts, meta) and the finished runs'
    partitions (see :mod:`fertui.store_partitions`).

    Every transaction ends by moving the runs that reached a final state out of the hot file:
    the partition is written first, then the hot file, so a kill -9 between the two leaves the
    run in both, where the hot copy wins, and never in neither. Readers read the hot file
    first for the same reason.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = None
        self.parts = Partitions(self.path.parent / PARTITION_DIR)
        self._tx: _Transaction | None = None

    @property
    def lock(self):
        """The cross-process write lock (made on first use: a read-only command never imports it)."""
        if self._lock is None:
            from filelock import FileLock

            self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)
        return self._lock

    # ---- writing ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["TinyDB"]:
        """Exclusive read-modify-write of the hot file: one read and one atomic write for the
        whole block (none when nothing changed or the block raised)."""
        from tinydb import TinyDB

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            if self._tx is not None:
                raise RuntimeError("store transactions do not nest")
            held = _HeldStorage(read_json_file(self.path))
            self._tx = _Transaction(self.parts)
            try:
                yield TinyDB(storage=lambda: held)
                self._commit(held, self._tx)
            finally:
                self._tx = None

    def _commit(self, held: _HeldStorage, tx: _Transaction) -> None:
        data = held.data
        runs = data.get("runs", {})
        meta = data.setdefault("meta", {})
        finished = {n: d for n, d in runs.items() if d.get("status") in FINAL_STATES}
        if not (held.written or finished or tx.changed):
            return
        first_move = LAYOUT_DOC not in meta and finished
        if first_move and self.path.exists():  # an older single-file store: keep it as it was
            shutil.copy2(self.path, migration_backup_path(self.path))
        index = tx.index() if finished else {}
        for number, doc in finished.items():
            name = partition_of(doc)
            tx.partition(name)[number] = doc
            tx.changed.add(name)
            index[name] = add_to_ranges(index.get(name, []), int(number))
        for name in sorted(tx.changed):  # the partitions first: a kill now leaves copies, not gaps
            tx.parts.write(name, tx.partition(name))
        if finished:  # then the index (a hint: a kill before it costs a search, nothing more)
            tx.parts.write_index(index)
        for number in finished:
            del runs[number]
        meta[LAYOUT_DOC] = {"layout": LAYOUT_VERSION}
        if "alerts" in data:  # the oldest alerts to runs/store/alerts/ first, as runs go first
            archive_overflow(data["alerts"], self.parts.folder / ALERTS_DIR)
        keep_backup(self.path)  # the file this transaction read and parsed: the last good store
        atomic_write_text(self.path, dumps(data))
        for name, numbers in tx.moved_back.items():  # now the hot file has them: prune the copies
            part = tx.partition(name)
            for number in numbers:
                part.pop(number, None)
            tx.parts.write(name, part)
        if first_move:
            print(f"fertui: {self.path}: moved {len(finished)} finished runs into {self.parts.folder}/ "
                  f"(one file per sweep and per month); the single-file store is kept as "
                  f"{migration_backup_path(self.path)}", file=sys.stderr)

    def _located(self, db: "TinyDB", number: int) -> tuple[dict | None, str | None]:
        """The current doc of run NUMBER in this transaction, and its partition (None: hot)."""
        current = db.table("runs").get(doc_id=number)
        if current is not None:
            return dict(current), None
        name = self._find_partition(str(number), self._tx.index())
        if name is None:
            return None, None
        return dict(self._tx.partition(name)[str(number)]), name

    def _apply(self, db: "TinyDB", number: int, current: dict, name: str | None, fields: dict) -> dict:
        if isinstance(fields.get("summary"), dict) and isinstance(current.get("summary"), dict):
            fields = {**fields, "summary": {**current["summary"], **fields["summary"]}}
        doc = {**current, **fields}
        if name is None:
            db.table("runs").update(fields, doc_ids=[number])
        elif doc.get("status") in FINAL_STATES:  # a finished run changed: its partition only
            self._tx.partition(name)[str(number)] = doc
            self._tx.changed.add(name)
        else:  # active again (a restore, a hand edit): back into the hot file
            from tinydb.table import Document

            db.table("runs").insert(Document(doc, doc_id=number))
            self._tx.moved_back.setdefault(name, set()).add(str(number))
        return doc

    def add_runs(self, docs: list[dict], prepare=None) -> list[str]:
        """Insert DOCS as queued runs; PREPARE(run_id, doc) runs first (e.g. writes its folder).

        All or nothing: if PREPARE or the write fails, no run is inserted.
        """
        from tinydb.table import Document

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
        """Insert run documents that already have their ids (see scheduler.rebuild)."""
        from tinydb.table import Document

        with self.transaction() as db:
            runs = db.table("runs")
            for doc in docs:
                runs.insert(Document(doc, doc_id=int(doc["id"])))

    def update_runs(self, changes: dict[str, dict]) -> None:
        """Apply {run_id: {field: value}} in one write; nested ``summary`` dicts are merged."""
        if not changes:
            return
        with self.transaction() as db:
            for run_id, fields in changes.items():
                number = int(run_id)
                current, name = self._located(db, number)
                if current is not None:
                    self._apply(db, number, current, name, dict(fields))

    def update_run(self, run_id: str, **fields: Any) -> None:
        self.update_runs({run_id: fields})

    def claim_run(self, run_id: str, expect: tuple[str, ...], fields) -> dict | None:
        """Apply FIELDS to RUN_ID only if its status is in EXPECT, atomically; the new doc or None.

        FIELDS may be a callable(doc) -> dict | None, called under the lock (e.g. to launch the
        job and record its pid in the same write); returning None leaves the run unchanged.
        """
        with self.transaction() as db:
            number = int(run_id)
            current, name = self._located(db, number)
            if current is None or current.get("status") not in expect:
                return None
            changes = fields(dict(current)) if callable(fields) else dict(fields)
            if changes is None:
                return None
            return self._apply(db, number, current, name, changes)

    # ---- reading ------------------------------------------------------------------------
    def snapshot(self) -> dict[str, dict[str, dict]]:
        """The hot file's tables as {table: {doc_id: doc}}, read without the lock: the active
        runs, sweeps, benchmarks, alerts and meta (finished runs are in the partitions)."""
        tables = read_json_file(self.path)
        if LAYOUT_DOC not in tables.get("meta", {}) and any(
                r.get("status") in FINAL_STATES for r in tables.get("runs", {}).values()):
            tables = self._migrate() or tables
        return tables

    def _migrate(self) -> dict | None:
        """Move an older store's finished runs into partitions (first use); None if read-only."""
        try:
            with self.transaction():
                pass
        except (OSError, TimeoutError):  # a read-only workspace (filelock.Timeout is a TimeoutError)
            return None
        return read_json_file(self.path)

    def table(self, name: str) -> list[dict]:
        return list(self.snapshot().get(name, {}).values())

    def active_runs(self) -> list[dict]:
        """Queued and running runs (the hot file only), by id."""
        return sorted(self.table("runs"), key=lambda r: r["id"])

    def partition_order(self, index: dict | None = None) -> list[str]:
        """Partition names, the one holding the newest run first."""
        index = self.parts.read_index() if index is None else index
        names = self.parts.names()
        return sorted(names, key=lambda n: -(index[n][-1][1] if index.get(n) else 0))

    def _hot_over_partitions(self, names: list[str] | None, read_partition, from_hot) -> dict:
        """{number: row} of partitions NAMES (None: all), each read by READ_PARTITION, then of the
        hot file (FROM_HOT(doc)), whose copies win. The hot file is read first and checked again
        after: a run moving meanwhile is seen once."""
        for _ in range(5):
            before = file_signature(self.path)
            hot = self.snapshot()
            found: dict = {}
            for name in self.parts.names() if names is None else names:
                found.update(read_partition(name))
            found.update((n, from_hot(d)) for n, d in hot.get("runs", {}).items())
            if file_signature(self.path) == before:
                break
        return found

    def runs_in(self, names: list[str] | None) -> dict[str, dict]:
        """{number: run} of the hot file and partitions NAMES (None: all), hot copies winning."""
        return self._hot_over_partitions(names, self.parts.read, lambda doc: doc)

    def json_rows(self, names: list[str] | None = None) -> list[tuple[str, str]]:
        """(run number, the run's JSON text) of the hot file and partitions NAMES (None: all),
        by id: a full listing passes the partitions' lines through, decoding nothing."""
        def partition_json(name: str) -> dict[str, str]:
            rows = self.parts.raw_rows(name)
            return rows if rows is not None else {n: dumps(d) for n, d in self.parts.read(name).items()}

        found = self._hot_over_partitions(names, partition_json, dumps)
        return sorted(found.items(), key=lambda kv: int(kv[0]))

    def runs(self) -> list[dict]:
        """Every run, by id (reads every partition: prefer the narrower readers below)."""
        return sorted(self.runs_in(None).values(), key=lambda r: r["id"])

    def sweep_runs(self, sweep: str) -> list[dict]:
        """The runs of one sweep: the hot file and that sweep's partition only."""
        found = self.runs_in([sweep_partition(sweep)])
        return sorted((r for r in found.values() if r.get("sweep") == sweep), key=lambda r: r["id"])

    def iter_runs_newest_first(self) -> Iterator[dict]:
        """Active runs, then finished ones partition by partition (newest first), each run once:
        what a listing streams, stopping when it has shown enough."""
        hot = self.snapshot()
        active = hot.get("runs", {})
        yield from sorted(active.values(), key=lambda r: r["id"], reverse=True)
        for name in self.partition_order():
            rows = [r for n, r in self.parts.read(name).items() if n not in active]
            yield from sorted(rows, key=lambda r: r["id"], reverse=True)

    def recent_runs(self, limit: int, keep=lambda run: True,
                    names: list[str] | None = None) -> tuple[list[dict], bool]:
        """The active runs that KEEP accepts and the LIMIT newest finished ones (of partitions
        NAMES; None: all), by id; and whether older finished ones were left out. Partitions are
        opened newest first, and only while one may still hold a run newer than the oldest kept
        (their index says)."""
        hot = self.snapshot()
        active = hot.get("runs", {})
        picked = [r for r in active.values() if keep(r)]
        index = self.parts.read_index()
        newest: list[tuple[int, dict]] = []  # a min-heap of the LIMIT newest finished runs
        more = False
        for name in self.partition_order(index):
            if names is not None and name not in names:
                continue
            top = index[name][-1][1] if index.get(name) else None
            if len(newest) >= limit and top is not None and top < newest[0][0]:
                more = True  # every run in this partition and the rest is older than those kept
                break
            for number, run in self.parts.read(name).items():
                if number in active or not keep(run):
                    continue
                heapq.heappush(newest, (int(number), run))
                if len(newest) > limit:
                    heapq.heappop(newest)
                    more = True
        return sorted(picked + [r for _, r in newest], key=lambda r: r["id"]), more

    def _find_partition(self, number: str, index: dict) -> str | None:
        hinted = [n for n, ranges in index.items() if in_ranges(ranges, int(number))]
        reader = self._tx.partition if self._tx else self.parts.read
        for name in hinted:
            if number in reader(name):
                return name
        for name in self.parts.names():  # not where the index says (a kill before it was written)
            if name not in hinted and number in reader(name):
                return name
        return None

    def get_run(self, run_id: str) -> dict | None:
        run_id = run_id.strip()
        if not run_id.isdigit():
            return None
        number = str(int(run_id))
        hot = self.snapshot()
        if number in hot.get("runs", {}):
            return hot["runs"][number]
        name = self._find_partition(number, self.parts.read_index())
        if name is None:
            return self.snapshot().get("runs", {}).get(number)  # moved back meanwhile
        return self.parts.read(name).get(number)

    def resolve_run(self, ref: str) -> dict:
        """A run by id (leading zeros optional) or by unique name; UserError otherwise."""
        run = self.get_run(ref.strip())
        if run is not None:
            return run
        named = [r for r in self.iter_runs_newest_first() if r.get("name") == ref]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(sorted(r["id"] for r in named)[:5])
            raise UserError(f"run name '{ref}' is ambiguous ({ids}...); use an id")
        raise UserError(f"no run '{ref}' in {self.path}")

    # ---- alerts -----------------------------------------------------------------------
    def add_alert(self, run_id: str | None, kind: str, message: str, **extra: Any) -> None:
        with self.transaction() as db:
            db.table("alerts").insert({"run": run_id, "kind": kind, "message": message,
                                       "time": time.time(), "acked": False, **extra})

    def alerts(self) -> list[dict]:
        rows = [{"doc_id": int(k), **v} for k, v in self.snapshot().get("alerts", {}).items()]
        return sorted(rows, key=lambda a: a["time"])

    def archived_alerts(self) -> list[dict]:
        """The alerts older than the newest HOT_ALERTS (see store_alerts), oldest first."""
        return archived_alerts(self.parts.folder / ALERTS_DIR)

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
