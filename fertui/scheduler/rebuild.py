"""Runs a restored store does not know, rebuilt from their folders (``fertui store restore``).

A backup is one write behind, so the runs queued or ended in that last write are missing from
it. Their folders hold everything that matters: the resolved config (name, sweep, job), the exit
record, and the events (the job's own and the captured ones). The events are replayed through
the scheduler's own ingest and the ending through its own classification, so a rebuilt run has
the status, summary and sweep cell it had: a NaN run stays ``nan``, a cancelled or pruned one
says so (the stop is kept in ``stop.json``), a board cell keeps its value.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from fertui.config.loader import flatten_free
from fertui.scheduler.ingest import RunIngest
from fertui.scheduler.launch_record import LAUNCH_FILE, recorded_launch
from fertui.scheduler.outcome import classify, recorded_stop


def rebuild_missing_runs(store, runs_dir: Path, acknowledged: set[str] | None = None) -> list[dict]:
    """Run documents for the run folders under RUNS_DIR that STORE does not know. A folder whose
    job never started is queued again only if its id was given to the user (in ACKNOWLEDGED; None:
    a workspace from before that log, where every one is)."""
    known = {r["id"] for r in store.runs()}
    sweeps = {s.get("name"): s for s in store.sweeps()}
    docs = []
    for folder in sorted(runs_dir.iterdir()):
        if folder.name.isdigit() and folder.name not in known and (folder / "config.toml").is_file():
            if not started_in(folder) and acknowledged is not None and folder.name not in acknowledged:
                continue  # a `fertui add` killed before its store write: nobody was given this id
            doc = rebuild_run(folder, sweeps)
            if doc is not None:
                docs.append(doc)
    return docs


def started_in(folder: Path) -> bool:
    """Whether the run folder shows that its job was launched (whatever the store says)."""
    return any((folder / name).exists() for name in (LAUNCH_FILE, "exit.json", "stdout.log", "events.jsonl"))


def rebuild_run(folder: Path, sweeps: dict[str, dict]) -> dict | None:
    doc = doc_from_folder(folder, sweeps)
    if doc is None:
        return None
    if not started_in(folder):  # never started: it goes back in the queue as it was
        return {**doc, "status": "queued", "summary": {"last": {}, "best": {}}}
    launched = {**doc, **(recorded_launch(folder) or {})}  # slot, GPUs and the code it ran with
    return {**launched, **ended_fields(launched, folder, sweeps.get(doc["sweep"]) if doc["sweep"] else None)}


def doc_from_folder(folder: Path, sweeps: dict[str, dict]) -> dict | None:
    """The run document its folder's resolved config describes (no status), or None."""
    try:
        config = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    meta = config.pop("fertui", {})
    job = config.get("job", {})
    sweep = meta.get("sweep") or None
    doc: dict[str, Any] = {
        "id": folder.name,
        "name": meta.get("name") or folder.name,
        "kind": job.get("kind", "train"),
        "command": list(job.get("command", [])),
        "config": config,
        "params": {},
        "sweep": sweep,
        "tags": list(config.get("run", {}).get("tags", [])),
        "priority": config.get("run", {}).get("priority", 0),
        "attempts": 0,
        "created": (folder / "config.toml").stat().st_mtime,  # written at queue time
        "recovered": "rebuilt from its folder after `fertui store restore`",
    }
    spec = sweeps.get(sweep) if sweep else None
    if spec:  # the sweep cell, so boards and compare place the run where it belongs
        flat = flatten_free(config)
        doc["params"] = {a["key"]: flat[a["key"]] for a in spec.get("axes", []) if a.get("key") in flat}
        if "run.seed" in flat:
            doc["params"]["run.seed"] = flat["run.seed"]
    return doc


def ended_fields(doc: dict, folder: Path, spec: dict | None) -> dict:
    """How the run of DOC in FOLDER ended, from its folder: status, exit, summary, params."""
    try:
        record = json.loads((folder / "exit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    ingest = replay(doc, folder, spec)
    stop = recorded_stop(folder)  # a cancel, or the scheduler's NaN or pruning stop
    if stop is None and ingest.nan_seen and doc.get("config", {}).get("train", {}).get("on_nan", "stop") == "stop":
        stop = {"reason": "nan"}  # a run from before stops were kept in the folder
    if stop:
        ingest.record.merge(stop.get("summary") or {})
    fields = classify(
        {**doc, **({"stop_requested": stop["reason"]} if stop else {})},
        record,
        folder,
        nan_seen=ingest.nan_seen,
        oom_seen=ingest.oom_seen,
    )
    if fields["status"] == "done" and doc.get("sweep") and not ingest.reported_objective():
        fields["no_metric"] = ingest.objective_name()
    if ingest.params:
        fields["params"] = ingest.run_params(doc)
    if record and record.get("started") and not doc.get("started"):  # the launch record's time wins, as in the store
        fields["started"] = record["started"]
    return {**fields, "summary": dict(ingest.summary)}


def replay(doc: dict, folder: Path, spec: dict | None, captured: Path | None = None) -> RunIngest:
    """Every event of the run in FOLDER through a fresh ingest (capturing what was not yet).
    CAPTURED: write the captures there instead of the run's captured.jsonl (``fertui reingest``)."""
    ingest = RunIngest(doc, folder, captured)
    if spec:
        ingest.judge_by_sweep(spec)
    for _ in ingest.read_to_end():
        pass
    return ingest
