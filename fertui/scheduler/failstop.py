"""A failing sweep stops itself: when its last K ended runs failed with the same error line,
its queued runs are held (state ``held``) with one alert, instead of each failing in turn.

``fertui queue resume SWEEP`` releases them; only runs that end after that count again.
"""

from __future__ import annotations

import time

from fertui.store import Store

# NaN is a property of the cell (a too-large LR), lost one of the machine: neither says the
# sweep itself is broken. A failure or OOM with the same last line in K runs does.
SAME_FAILURE_STATES = ("failed", "oom")


def failure_line(run: dict) -> str:
    """The line that says why RUN failed: the last line of its log tail (the exception), or its exit."""
    lines = [line.strip() for line in (run.get("error") or "").splitlines() if line.strip()]
    return lines[-1] if lines else run.get("status", "")


def same_failures(sweep_runs: list[dict], k: int) -> str | None:
    """The shared error line when the K most recently ended runs (since the last release) all
    failed with it; None otherwise."""
    released = max((r.get("released") or 0 for r in sweep_runs), default=0)
    ended = sorted(
        (
            r
            for r in sweep_runs
            if r.get("ended")
            and r["ended"] >= released
            and r["status"] not in ("queued", "running", "held", "cancelled")
        ),
        key=lambda r: r["ended"],
    )
    last = ended[-k:]
    if k <= 0 or len(last) < k or any(r["status"] not in SAME_FAILURE_STATES for r in last):
        return None
    lines = {failure_line(r) for r in last}
    return lines.pop() if len(lines) == 1 else None


def hold_sweep(store: Store, sweep_runs: list[dict]) -> list[dict]:
    """Hold every still-queued run of the sweep; the held docs."""
    held = []
    for run in sweep_runs:
        if run["status"] == "queued":
            doc = store.claim_run(run["id"], ("queued",), {"status": "held", "held_at": time.time()})
            if doc is not None:
                held.append(doc)
    return held


def release_sweep(store: Store, sweep: str) -> list[str]:
    """Queue a held sweep's runs again; their ids. Failures before now no longer count."""
    from fertui.errors import UserError

    runs = store.sweep_runs(sweep)
    if not runs:
        names = sorted({s["name"] for s in store.sweeps() if s.get("name")})
        from fertui.config.loader import suggest

        raise UserError(f"no sweep '{sweep}'{suggest(sweep, names)}")
    now = time.time()
    released = []
    for run in runs:
        if store.claim_run(run["id"], ("held",), {"status": "queued", "released": now}) is not None:
            released.append(run["id"])
    return released
