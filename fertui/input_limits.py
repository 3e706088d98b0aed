"""Queue-time limits on what a run may carry into the store and onto terminals.

Every name, tag, axis key and value and command word of a run is printed later (``add``, ``ls``,
``sweeps``, ``board``, the console); one holding ESC or a C1 control would act on the user's
terminal (a window title, a clipboard write, a cleared screen), so it is refused here with one
line, before anything is queued. A run's record is bounded too: the hot file holds every queued
run and is rewritten on each store write, so a 26 MB ``[params]`` would make every write slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fertui.errors import ConfigError
from fertui.jsonio import dumps
from fertui.terminal_text import control_character

MAX_RUN_RECORD_BYTES = 256 << 10  # a run record is a few KB; this leaves room for big configs


def check_queued_docs(docs: list[dict[str, Any]]) -> None:
    """A ConfigError for the first run doc holding terminal control text or too big a record."""
    for doc in docs:
        source = doc.get("source") or "<command>"
        for key, text in shown_text(doc):
            bad = control_character(text)
            if bad:
                raise ConfigError(
                    source,
                    key,
                    f"contains the control character {bad}, which a terminal acts on "
                    "when fertui prints it (a title, a clipboard write); remove it",
                )
        size = len(dumps({k: v for k, v in doc.items() if k not in ("shell_env", "sweep_spec")}))
        if size > MAX_RUN_RECORD_BYTES:
            raise ConfigError(
                source,
                None,
                f"one run's record would be {size / 1e6:.1f} MB, over the "
                f"{MAX_RUN_RECORD_BYTES >> 10} KB a run may have; keep big values in "
                "files the job reads",
            )


def shown_text(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(config key, text) of everything in DOC that fertui prints on a terminal."""
    yield "run.name", str(doc.get("name") or "")
    if doc.get("sweep"):
        yield "sweep.name", str(doc["sweep"])
    for tag in doc.get("tags") or []:
        yield "run.tags", str(tag)
    for key, value in (doc.get("params") or {}).items():
        yield "sweep.axes", str(key)
        yield str(key), value if isinstance(value, str) else dumps(value)
    for word in doc.get("command") or []:
        yield "job.command", str(word)
