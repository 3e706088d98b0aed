"""The queue's state, kept in the store's meta table: what the scheduler reads each tick and the
CLI, the console and the daemon's start-up set. Below the scheduler, the daemon and control."""

from __future__ import annotations

import time

from fertui.store import Store
from fertui.workspace import Workspace

QUEUE_STATES = ("active", "paused", "draining")
QUEUE_DOC_ID = 2  # meta doc 1 holds the run counter


def queue_of(snapshot: dict) -> str:
    """The queue state recorded in a store snapshot (the hot file's tables)."""
    return snapshot.get("meta", {}).get(str(QUEUE_DOC_ID), {}).get("queue", "active")


def queue_state(ws: Workspace) -> str:
    """ "active" (starting runs), "paused" (starting none) or "draining" (the daemon exits when idle)."""
    return queue_of(Store(ws.store_path).snapshot())


def set_queue(ws: Workspace, state: str) -> None:
    from tinydb.table import Document

    from fertui.wake import wake_scheduler

    with Store(ws.store_path).transaction() as db:
        db.table("meta").upsert(Document({"queue": state, "changed": time.time()}, doc_id=QUEUE_DOC_ID))
    wake_scheduler(ws)


def pause(ws: Workspace) -> None:
    set_queue(ws, "paused")


def resume(ws: Workspace) -> None:
    set_queue(ws, "active")


def drain(ws: Workspace) -> None:
    set_queue(ws, "draining")
