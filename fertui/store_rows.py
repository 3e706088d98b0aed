"""Rows: a sweep's finished runs without their configs, for the views that read a whole sweep.

A board, comparison or suggestion of a sweep of 10,000 runs needs each run's id, state, cell
(``params``), seed, summary (the objective's best value and the other metrics reported) and
times, not its resolved config and command, which are most of a run's bytes. Beside each chunk
of a sweep, ``runs/store/rows/<chunk>.json`` holds its runs as such rows, written with the chunk.
They are per-run rows, not cells: which runs form a cell, and which attempt counts, is still
decided by the sweep views from the rows. A row asked for what it lacks loads its run's document
(:class:`RunRow`).

A rows file is a cache of its chunk: it names the signature (mtime, size, inode) of the chunk
file it was made from, so a chunk written without it (a kill between the two writes, a restore,
an older fertui) leaves it stale, and readers then take the chunk's documents instead. So it is
renamed into place but not fsynced, and a move pays one fsync, the chunk's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from fertui.jsonio import dumps, loads
from fertui.store_chunks import ChunkRows, file_signature

ROWS_DIR = "rows"
LEFT_OUT = ("config", "command")  # what a row lacks: a view that needs it loads the document
_ABSENT = object()


def run_row(doc: dict) -> dict:
    """DOC without its config and command, plus what the sweep views need of the config: the
    seed, and a digest of every other resolved key that is not one of the run's own parameters.
    Runs of one sweep with the same digest share their settings outside the axes, so a view
    loads one document per digest, not one per run."""
    row = {k: v for k, v in doc.items() if k not in LEFT_OUT}
    if isinstance(doc.get("config"), dict):
        # Imported here: only a move into a sweep's chunk flattens a config.
        import hashlib

        from fertui.config.loader import flatten_free

        flat = flatten_free(doc["config"])
        params = doc.get("params") or {}
        rest = {k: v for k, v in flat.items() if k not in params and k not in ("run.name", "run.seed")}
        row["config_seed"] = flat.get("run.seed")
        row["config_digest"] = hashlib.sha1(dumps(rest).encode()).hexdigest()[:16]
    return row


def has_rows(name: str) -> bool:
    """Whether chunk NAME keeps rows: the chunks of sweeps (a month is never read whole)."""
    return name.startswith("sweep-")


class RunRow(dict):
    """A run's row; asked for ``config`` or ``command``, it loads the run's document once
    (LOAD(run id))."""

    def __init__(self, row: dict, load: Callable[[str], dict | None]):
        super().__init__(row)
        self._load = load
        self._document: dict | None = None

    def document(self) -> dict:
        if self._document is None:
            self._document = self._load(dict.__getitem__(self, "id")) or {}
        return self._document

    def __missing__(self, key: str):
        if key in LEFT_OUT:
            return self.document()[key]
        raise KeyError(key)

    def get(self, key: str, default=None):
        value = dict.get(self, key, _ABSENT)  # a board asks 10,000 rows several keys each: one lookup
        if value is not _ABSENT:
            return value
        return self.document().get(key, default) if key in LEFT_OUT else default


class SweepRows:
    """The rows files of one store's sweep chunks (``runs/store/rows/``)."""

    def __init__(self, folder: Path, chunk_path: Callable[[str], Path]):
        self.folder = Path(folder)
        self.chunk_path = chunk_path

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def _cached(self, name: str) -> tuple[list | None, dict[str, dict]]:
        """(the chunk signature the rows were made from, the rows); (None, {}) if unreadable."""
        try:
            data = loads(self.path(name).read_text(encoding="utf-8"))
            return list(data["chunk"]), dict(data["rows"])
        except (OSError, ValueError, KeyError, TypeError):
            return None, {}

    def write(self, name: str, chunk: ChunkRows) -> None:
        """Rows of chunk NAME, just written from CHUNK (under the store lock): only the runs it
        changed are made again when the rows were those of the chunk it was read from."""
        path = self.path(name)
        if not len(chunk):
            path.unlink(missing_ok=True)
            return
        made_from, rows = self._cached(name)
        if made_from is None or chunk.source is None or made_from != list(chunk.source):
            rows = {n: run_row(chunk[n]) for n in chunk}
        else:
            for number in chunk.changed:
                if number in chunk:
                    rows[number] = run_row(chunk[number])
                else:
                    rows.pop(number, None)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(
            dumps({"chunk": list(file_signature(self.chunk_path(name)) or ()), "rows": rows}), encoding="utf-8"
        )
        os.replace(tmp, path)

    def read(self, name: str, documents: Callable[[str], dict[str, dict]]) -> dict[str, dict]:
        """{number: row} of chunk NAME: its rows file while it matches the chunk, else rows made
        from the chunk's documents (DOCUMENTS(name))."""
        made_from, rows = self._cached(name)
        now = file_signature(self.chunk_path(name))
        if made_from is not None and now is not None and made_from == list(now):
            return rows
        return {n: run_row(doc) for n, doc in documents(name).items()}
