"""The store: a small hot TinyDB file and the finished runs' partitions.

``runs/fertui.json`` (hot) holds what changes: queued and running runs with their live
summaries, sweeps, benchmarks, alerts and meta (run counter, queue state, layout version).
A run that reaches a final state is moved, in the same transaction, into its partition under
``runs/store/`` (one per sweep, one per month outside sweeps; see
:mod:`fertui.store_partitions`), into the chunk of at most 500 runs its number belongs to
(:mod:`fertui.store_chunks`), which is written again only when one of its runs changes. So a
write costs the hot file (and, when a run ends, one chunk), whatever the number of finished runs
and however large one month or one sweep grows.

Every write replaces a file atomically (temp file, fsync, rename) under one cross-process file
lock, so a reader never needs the lock and never sees a torn file. Non-finite floats are tagged
so the files stay valid JSON. An older single-file store is migrated on first use.
"""

from __future__ import annotations

import errno
import heapq
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinydb.storages import Storage

if TYPE_CHECKING:
    from tinydb import TinyDB

from fertui import store_chunks
from fertui.atomicio import atomic_file, atomic_write_text
from fertui.errors import StoreDamaged, UserError
from fertui.jsonio import dumps, loads
from fertui.store_acks import ACK_LOG
from fertui.store_alerts import ALERTS_DIR, archive_overflow, archived_alerts
from fertui.store_backup import backup_path, damaged, keep_backup, read_json_file
from fertui.store_chunks import (
    ChunkRows,
    chunk_name,
    file_signature,  # noqa: F401  (the console watcher imports it from here)
    is_chunk,
    partition_of_chunk,
)
from fertui.store_partitions import PARTITION_DIR, Partitions, add_to_ranges, in_ranges, partition_of, sweep_partition
from fertui.store_rechunk import rechunk
from fertui.store_rows import RunRow
from fertui.store_validate import raw_rows_problem

RUN_STATES = ("queued", "running", "done", "failed", "nan", "oom", "cancelled", "pruned", "lost", "held")
ACTIVE_STATES = ("queued", "running", "held")  # held: a failing sweep's queued runs, waiting for `queue resume`
FINAL_STATES = tuple(s for s in RUN_STATES if s not in ACTIVE_STATES)

TABLES = ("runs", "sweeps", "benchmarks", "alerts", "meta")
LOCK_TIMEOUT_S = 60
LAYOUT_DOC = "3"  # meta doc: the layout version, the migration's mark (1: the run counter, 2: the queue)
LAYOUT_VERSION = 3  # 2: one file per partition; 3: partitions in chunks


def layout_of(tables: dict) -> int:
    """The layout version the hot file records (0: a store from before partitions, or new)."""
    mark = tables.get("meta", {}).get(LAYOUT_DOC)
    return int(mark.get("layout", 0)) if isinstance(mark, dict) else 0


def migration_backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".single-file")


def restore_mark_path(path: Path) -> Path:
    """Exists while a `fertui store restore` works (see fertui.store_restore): if it is still
    there, that restore was killed, and what it set aside is not back yet."""
    return path.with_name(path.name + ".restoring")


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
        self.read: dict[str, ChunkRows] = {}
        self.changed: set[str] = set()
        self.moved_back: dict[str, set[str]] = {}  # partition -> run numbers now in the hot file
        self._index: dict | None = None

    def index(self) -> dict:
        if self._index is None:
            self._index = self.parts.read_index()
        return self._index

    def partition(self, name: str) -> ChunkRows:
        if name not in self.read:
            self.read[name] = self.parts.read_rows(name)
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

    def __init__(self, path: Path, restoring: bool = False):
        self.path = Path(path)
        self._lock = None
        self.parts = Partitions(self.path.parent / PARTITION_DIR)
        self._tx: _Transaction | None = None
        self.restoring = restoring  # the restore itself reads and writes past its own mark

    @property
    def lock(self):
        """The cross-process write lock (made on first use: a read-only command never imports it)."""
        if self._lock is None:
            from filelock import FileLock

            self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_S)
        return self._lock

    # ---- writing ------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Exclusive read-modify-write of the hot file: one read and one atomic write for the
        whole block (none when nothing changed or the block raised)."""
        from tinydb import TinyDB

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            if self._tx is not None:
                raise RuntimeError("store transactions do not nest")
            held = _HeldStorage(self.read_hot())
            self._tx = _Transaction(self.parts)
            try:
                if layout_of(held.data) < LAYOUT_VERSION and self.parts.names():
                    self._rechunk(held)
                yield TinyDB(storage=lambda: held)
                self._commit(held, self._tx)
            finally:
                self._tx = None

    def _rechunk(self, held: _HeldStorage) -> None:
        """Split the partitions an older fertui wrote whole, before this transaction can change a
        run in them; the hot file then records the layout, last (see fertui.store_rechunk)."""
        moved = rechunk(self.parts, self._tx.index())
        held.data.setdefault("meta", {})[LAYOUT_DOC] = {"layout": LAYOUT_VERSION}
        held.written = True
        if moved:
            print(
                f"fertui: {self.parts.folder}: split {moved} finished runs into chunks of at most "
                f"{store_chunks.CHUNK_RUNS} runs",
                file=sys.stderr,
            )

    def _commit(self, held: _HeldStorage, tx: _Transaction) -> None:
        data = held.data
        runs = data.get("runs", {})
        meta = data.setdefault("meta", {})
        finished = {n: d for n, d in runs.items() if d.get("status") in FINAL_STATES}
        if not (held.written or finished or tx.changed):
            return
        first_move = LAYOUT_DOC not in meta and finished
        if first_move and self.path.exists():  # an older single-file store: keep it as it was
            with open(self.path, "rb") as old, atomic_file(migration_backup_path(self.path), "wb") as copy:
                shutil.copyfileobj(old, copy)  # whole or not at all: a full disk leaves no truncated copy
        index = tx.index() if finished else {}
        for number, doc in finished.items():
            name = chunk_name(partition_of(doc), int(number))
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
            print(
                f"fertui: {self.path}: moved {len(finished)} finished runs into {self.parts.folder}/ "
                f"(one per sweep and per month, in chunks); the single-file store is kept as "
                f"{migration_backup_path(self.path)}",
                file=sys.stderr,
            )

    def _located(self, db: TinyDB, number: int) -> tuple[dict | None, str | None]:
        """The current doc of run NUMBER in this transaction, and its partition (None: hot)."""
        current = db.table("runs").get(doc_id=number)
        if current is not None:
            return dict(current), None
        name = self._find_partition(str(number), self._tx.index())
        if name is None:
            return None, None
        return dict(self._tx.partition(name)[str(number)]), name

    def _apply(self, db: TinyDB, number: int, current: dict, name: str | None, fields: dict) -> dict:
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
    def read_hot(self) -> dict[str, dict[str, dict]]:
        """The hot file's tables, checked (fertui.store_validate); StoreDamaged when it is
        damaged, when it is missing from a workspace that had one, or while a restore is unfinished."""
        if not self.restoring and restore_mark_path(self.path).exists():
            raise StoreDamaged(
                f"{self.path}: a `fertui store restore` was stopped before it finished; "
                "run `fertui store restore` again"
            )
        tables = read_json_file(self.path)
        if not tables and not self.path.exists() and self._had_hot_file():
            raise damaged(self.path, "is missing (deleted?) although this workspace has queued runs before")
        return tables

    def _had_hot_file(self) -> bool:
        """A hot file existed here: its backup, a partition or the ids log outlived it."""
        runs_dir = self.path.parent
        return backup_path(self.path).exists() or (runs_dir / ACK_LOG).exists() or bool(self.parts.names())

    def snapshot(self) -> dict[str, dict[str, dict]]:
        """The hot file's tables as {table: {doc_id: doc}}, read without the lock: the active
        runs, sweeps, benchmarks, alerts and meta (finished runs are in the partitions)."""
        tables = self.read_hot()
        if layout_of(tables) < LAYOUT_VERSION and (
            any(r.get("status") in FINAL_STATES for r in tables.get("runs", {}).values()) or self.parts.names()
        ):
            tables = self._migrate() or tables
        return tables

    def _migrate(self) -> dict | None:
        """Move an older store's finished runs into chunks (first use); None if read-only."""
        try:
            with self.transaction():
                pass
        except TimeoutError:  # filelock.Timeout: someone holds the lock; a later command migrates
            return None
        except OSError as exc:  # a read-only workspace reads the old layout; a full disk is an error
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return None
            raise
        return self.read_hot()

    def table(self, name: str) -> list[dict]:
        return list(self.snapshot().get(name, {}).values())

    def active_runs(self) -> list[dict]:
        """Queued and running runs (the hot file only), by id."""
        return sorted(self.table("runs"), key=lambda r: r["id"])

    def partition_order(self, index: dict | None = None, names: list[str] | None = None) -> list[str]:
        """The files of the partitions (NAMES, or all), the one holding the newest run first. This
        is also the rule for a run found in two files (a kill between two writes, a hand edit):
        the copy met first in this order wins, in every reader; a hot copy wins over both."""
        index = self.parts.read_index() if index is None else index
        names = self.parts.names() if names is None else names
        return sorted(names, key=lambda n: (-(index[n][-1][1] if index.get(n) else 0), n))

    def _hot_over_partitions(self, names: list[str] | None, read_partition, from_hot) -> dict:
        """{number: row} of partitions NAMES (None: all), each file read by READ_PARTITION, then
        of the hot file (FROM_HOT(doc)), whose copies win. The hot file is read before and after
        the files: a run that left it meanwhile may have been missed, so they are read again; a
        live summary written meanwhile (every tick of a busy daemon) costs no second read."""
        hot = self.snapshot()
        for _ in range(5):
            found: dict = {}
            for name in self.partition_order(names=self.parts.chunks(names)):
                for number, row in read_partition(name).items():
                    found.setdefault(number, row)  # a copy in two files: see partition_order
            after = self.snapshot()
            if after.get("runs", {}).keys() >= hot.get("runs", {}).keys():
                break
            hot = after
        found.update((n, from_hot(d)) for n, d in after.get("runs", {}).items())
        return found

    def runs_in(self, names: list[str] | None) -> dict[str, dict]:
        """{number: run} of the hot file and partitions NAMES (None: all), hot copies winning."""
        return self._hot_over_partitions(names, self.parts.read, lambda doc: doc)

    def json_rows(self, names: list[str] | None = None) -> list[tuple[str, str]]:
        """(run number, the run's JSON text) of the hot file and partitions NAMES (None: all),
        by id: a full listing passes the partitions' lines through, decoding nothing."""

        def partition_json(name: str) -> dict[str, str]:
            rows = self.parts.raw_rows(name)
            if rows is None:
                return {n: dumps(d) for n, d in self.parts.read(name).items()}
            problem = raw_rows_problem(rows)
            if problem:  # a damaged line must stop the listing, not be passed through as invalid JSON
                raise damaged(self.parts.path(name), f"has the wrong shape ({problem})")
            return rows

        found = self._hot_over_partitions(names, partition_json, dumps)
        return sorted(found.items(), key=lambda kv: int(kv[0]))

    def runs(self) -> list[dict]:
        """Every run, by id (reads every partition: prefer the narrower readers below)."""
        return sorted(self.runs_in(None).values(), key=lambda r: r["id"])

    def sweep_runs(self, sweep: str) -> list[dict]:
        """The runs of one sweep: the hot file and that sweep's chunks only."""
        found = self.runs_in([sweep_partition(sweep)])
        return sorted((r for r in found.values() if r.get("sweep") == sweep), key=lambda r: r["id"])

    def rows_in(self, names: list[str]) -> dict[str, dict]:
        """{number: run} of the hot file and partitions NAMES, finished runs as rows
        (fertui.store_rows): what a board or a comparison of a large sweep reads instead of every
        document. A row loads its run's document when asked for what it lacks."""

        def rows(name: str) -> dict[str, dict]:
            return {n: RunRow(row, self.get_run) for n, row in self.parts.sweep_rows(name).items()}

        return self._hot_over_partitions(names, rows, lambda doc: doc)

    def sweep_rows(self, sweep: str) -> list[dict]:
        """The runs of one sweep, by id, finished ones as rows (see rows_in)."""
        found = self.rows_in([sweep_partition(sweep)])
        return sorted((r for r in found.values() if r.get("sweep") == sweep), key=lambda r: r["id"])

    def iter_runs_newest_first(self) -> Iterator[dict]:
        """Active runs, then finished ones partition by partition (newest first), each run once:
        what a listing streams, stopping when it has shown enough."""
        hot = self.snapshot()
        active = hot.get("runs", {})
        yield from sorted(active.values(), key=lambda r: r["id"], reverse=True)
        seen = {int(n) for n in active}  # a run being moved or split is in two files: once
        for name in self.partition_order():
            for number, text in self.parts.newest_first(name):
                if number not in seen:
                    seen.add(number)
                    yield loads(text)

    def recent_runs(self, limit: int, keep=lambda run: True, names: list[str] | None = None) -> tuple[list[dict], bool]:
        """The active runs that KEEP accepts and the LIMIT newest finished ones (of partitions
        NAMES; None: all), by id; and whether older finished ones were left out. Files are opened
        newest first, and only while one may still hold a run newer than the oldest kept (their
        index says); a chunk is read from its end, and only that far."""
        hot = self.snapshot()
        active = hot.get("runs", {})
        picked = [r for r in active.values() if keep(r)]
        index = self.parts.read_index()
        wanted = None if names is None else set(self.parts.chunks(names))
        newest: list[tuple[int, dict]] = []  # a min-heap of the LIMIT newest finished runs
        seen = {int(n) for n in active}  # a run being moved or split is in two files: once
        more = False
        for name in self.partition_order(index):
            if wanted is not None and name not in wanted:
                continue
            top = index[name][-1][1] if index.get(name) else None
            if len(newest) >= limit and top is not None and top < newest[0][0]:
                more = True  # every run in this file and the rest is older than those kept
                break
            for number, text in self.parts.newest_first(name):
                if len(newest) >= limit and number < newest[0][0] and is_chunk(name):
                    more = True  # a chunk is sorted: the rest of it is older still
                    break
                if number in seen:
                    continue
                seen.add(number)
                run = loads(text)
                if not keep(run):
                    continue
                heapq.heappush(newest, (number, run))
                if len(newest) > limit:
                    heapq.heappop(newest)
                    more = True
        return sorted(picked + [r for _, r in newest], key=lambda r: r["id"]), more

    def _candidates(self, number: int, index: dict) -> Iterator[str]:
        """The files that may hold run NUMBER, likeliest first: those the index names, then the
        chunks its number belongs to (a kill before the index was written), then the rest."""
        hinted = [n for n, ranges in index.items() if in_ranges(ranges, number)]
        yield from hinted
        names = [n for n in self.parts.names() if n not in hinted]
        home = [n for n in names if n == chunk_name(partition_of_chunk(n), number)]
        yield from home
        yield from (n for n in names if n not in home)

    def _find_partition(self, number: str, index: dict) -> str | None:
        """The file holding run NUMBER, as this transaction sees it."""
        return next((n for n in self._candidates(int(number), index) if number in self._tx.partition(n)), None)

    def get_run(self, run_id: str) -> dict | None:
        run_id = run_id.strip()
        if not run_id.isdigit():
            return None
        number = str(int(run_id))
        hot = self.snapshot()
        if number in hot.get("runs", {}):
            return hot["runs"][number]
        for name in self._candidates(int(number), self.parts.read_index()):
            run = self.parts.find(name, int(number))  # its line only
            if run is not None:
                return run
        return self.snapshot().get("runs", {}).get(number)  # moved back meanwhile

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
            db.table("alerts").insert(
                {"run": run_id, "kind": kind, "message": message, "time": time.time(), "acked": False, **extra}
            )

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

        from fertui.store_sweep_copies import write_sweep_copy

        with self.transaction() as db:
            table = db.table("sweeps")
            table.upsert(doc, Query().name == doc["name"])
            record = dict(table.get(Query().name == doc["name"]))
        write_sweep_copy(
            self.parts.folder, record
        )  # what a restore falls back on if the hot file and its .bak are lost

    def add_benchmark(self, doc: dict, at: float | None = None) -> None:
        """Add a benchmark row; a job's row (``run`` and ``row`` set) is added once, however
        often its events are read again (a restarted daemon replays them)."""
        with self.transaction() as db:
            table = db.table("benchmarks")
            if doc.get("run") is not None and doc.get("row") is not None:
                from tinydb import Query  # already loaded by transaction()

                row = Query()
                if table.contains((row.run == doc["run"]) & (row.row == doc["row"])):
                    return
            table.insert({"time": at or time.time(), **doc})

    def benchmarks(self) -> list[dict]:
        return self.table("benchmarks")
