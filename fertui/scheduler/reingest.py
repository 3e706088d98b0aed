"""Re-reading finished runs with new capture settings (``fertui reingest``).

A run's folder keeps what the job printed and wrote (stdout.log, TensorBoard and CSV files), so
a setting that read nothing (``done (no val/acc)``) or read fractions where percent was meant
can be fixed after the fact: the run's output is captured again from the start into a file
aside, through the scheduler's own ingest, which then replaces captured.jsonl in one rename;
the store gets the new summary, the new settings and whether the objective is still missing.
The run's status is the job's and stays as it was. Optuna's side is fertui.sweeps.retell.

A sweep's next runs (``suggest --enqueue``, tpe top-ups) are built from the base config stored
with it, so once every run of a sweep that ran reads with the new settings, the base takes them
too (``carry_to_sweep``); before that the sweep may still mix output that needs the old ones.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from fertui.config.loader import parse_set
from fertui.errors import UserError
from fertui.events import CAPTURED_FILE
from fertui.metrics import DEFAULT_OBJECTIVE
from fertui.scheduler.rebuild import replay
from fertui.store import ACTIVE_STATES, Store
from fertui.workspace import Workspace

CAPTURE_KEYS = ("job.output_scalars", "job.metrics_map", "job.metrics_csv", "job.metrics_scale", "job.tensorboard")
SCRATCH_SUFFIX = ".reingest"


@dataclass
class Reingested:
    run_id: str
    name: str
    sweep: str | None
    objective: str
    before: float | None  # the objective's best before, None when it was missing
    after: float | None
    read_with: str  # the output_scalars setting that read it, as `fertui show` names it
    events: int  # captured events written


def capture_sets(sets: list[str]) -> list[tuple[str, Any]]:
    """The ``--set`` overrides, typed and checked; only the keys that say how output is read."""
    parsed = [parse_set(text) for text in sets]
    for dotted, _ in parsed:
        if dotted not in CAPTURE_KEYS:
            raise UserError(f"--set {dotted}: reingest changes only how output is read ({', '.join(CAPTURE_KEYS)})")
    return parsed


def require_finished(docs: list[dict]) -> list[dict]:
    for doc in docs:
        if doc.get("status") in ACTIVE_STATES:
            raise UserError(f"run {doc['id']} is {doc['status']}: reingest re-reads finished runs only")
    return docs


def reingest_run(ws: Workspace, store: Store, doc: dict, sets: list[tuple[str, Any]]) -> Reingested:
    run_id = doc["id"]
    require_finished([doc])
    run_dir = ws.run_dir(run_id)
    if not run_dir.is_dir():
        raise UserError(f"run {run_id}: its folder {run_dir} is gone, so there is nothing to re-read")
    config = copy.deepcopy(doc.get("config") or {})
    for dotted, value in sets:
        config.setdefault("job", {})[dotted.split(".", 1)[1]] = value
    sweep = (store.get_sweep(doc["sweep"]) or {}) if doc.get("sweep") else {}
    before = _best(doc.get("summary"), sweep.get("objective"))

    scratch = run_dir / (CAPTURED_FILE + SCRATCH_SUFFIX)
    scratch.unlink(missing_ok=True)
    scratch.touch()
    try:
        ingest = replay({**doc, "config": config}, run_dir, sweep or None, scratch)
        events = sum(1 for _ in scratch.open(encoding="utf-8"))
        os.replace(scratch, run_dir / CAPTURED_FILE)
    finally:
        scratch.unlink(missing_ok=True)
    summary = dict(ingest.summary)
    for stale in (doc.get("summary") or {}).keys() - summary.keys():
        summary[stale] = None  # the store merges summaries: a value the new reading lacks is cleared
    missing = doc.get("status") == "done" and doc.get("sweep") and not ingest.reported_objective()
    store.update_run(
        run_id,
        summary=summary,
        config=config,
        no_metric=ingest.objective_name() if missing else None,
        reingested={"time": time.time(), "set": [f"{k}={v!r}" for k, v in sets]},
    )
    name = ingest.objective_name()
    return Reingested(
        run_id,
        doc.get("name", run_id),
        doc.get("sweep"),
        name,
        before,
        _best(ingest.summary, name),
        _read_with(summary, config, doc.get("kind") == "command"),
        events,
    )


def _read_with(summary: dict, config: dict, command_job: bool) -> str:
    """The setting that read the run, as `fertui show` names it; ``auto`` that saw nothing it
    could choose by (no output, or none that any preset reads) is undecided, not off."""
    if summary.get("output_scalars"):
        return str(summary["output_scalars"])
    if command_job and _job_value(config, "job.output_scalars") == "auto":
        return "auto (undecided)"
    return "off"


def _job_value(config: dict, dotted: str) -> Any:
    """CONFIG's value of the [job] key DOTTED; the schema's default where a config lacks it."""
    from fertui.config.schema import field_for

    key = dotted.split(".", 1)[1]
    job = config.get("job") or {}
    if key in job:
        return job[key]
    found = field_for(dotted)
    return found.default if found is not None else None


def carry_to_sweep(store: Store, sweep: str, sets: list[tuple[str, Any]]) -> str | None:
    """Give SWEEP's stored base the capture settings SETS once every run of it that ran reads with
    them, so the runs it queues next read their output the same way; the line saying what
    happened, None when there is nothing to say (no settings, or the base has them already)."""
    doc = store.get_sweep(sweep)
    axes = {a.get("key") for a in (doc or {}).get("axes", [])}
    sets = [(k, v) for k, v in sets if not any(a == k or str(a).startswith(k + ".") for a in axes)]
    if not doc or not doc.get("base") or not sets:
        return None  # an axis's value comes from its cell; an old sweep without a base has nothing to change
    runs = store.sweep_runs(sweep)
    # runs that ran with other settings: the sweep may mix output that needs them (a style axis)
    behind = [r["id"] for r in runs if r.get("status") not in ACTIVE_STATES and r.get("started") and _differs(r, sets)]
    setting = ", ".join(f"{k}={_shown(v)}" for k, v in sets)
    if behind:
        shown = ", ".join(behind[:5]) + (", ..." if len(behind) > 5 else "")
        return (
            f"sweep {sweep}: runs queued from now on read output as before: {len(behind)} of its runs "
            f"read it otherwise ({shown}); once they too are re-read with {setting}, the sweep takes it"
        )
    base = copy.deepcopy(doc["base"])
    if not _differs({"config": base}, sets):
        return None
    for dotted, value in sets:
        base.setdefault("job", {})[dotted.split(".", 1)[1]] = copy.deepcopy(value)
    store.put_sweep({**doc, "base": base, "updated": time.time()})
    waiting = [r["id"] for r in runs if r.get("status") in ACTIVE_STATES and _differs(r, sets)]
    return (
        f"sweep {sweep}: runs queued from now on read output with {setting}"
        + (f" ({len(waiting)} already queued keep the old setting: re-read them once they end)" if waiting else "")
        + (f"; set it in {doc['source']} too before adding that file again" if doc.get("source") else "")
    )


def _differs(run: dict, sets: list[tuple[str, Any]]) -> bool:
    config = run.get("config") or {}
    return any(_job_value(config, dotted) != value for dotted, value in sets)


def _shown(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _best(summary: dict | None, metric: str | None) -> float | None:
    value = ((summary or {}).get("best") or {}).get(metric or DEFAULT_OBJECTIVE)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def reingest_lines(results: list[Reingested]) -> list[str]:
    """One line per run: what read it and what its objective became."""

    def shown(value: float | None) -> str:
        return "none" if value is None else f"{value:g}"

    return [
        f"{r.run_id} {r.name}: read with {r.read_with}, {r.events} events; {r.objective} "
        f"{shown(r.before)} -> {shown(r.after)}"
        for r in results
    ]
