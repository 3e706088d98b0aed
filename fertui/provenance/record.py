"""Provenance kept with each run: at queue time (``fertui add``) and again at its start.

The run folder holds ``provenance/queued.json`` and ``provenance/started.json`` (code state and,
at start, the job's environment) with each patch beside them (``queued.diff``, ``started.diff``,
cut at MAX_PATCH_BYTES); the run document keeps ``code`` (commit, dirty, fingerprint...), the
code state the job last started with, else the one it was queued with.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.provenance.environment import job_environment
from fertui.provenance.git import CodeState, code_state

FOLDER = "provenance"
MAX_PATCH_BYTES = 1 << 20


def code_dir(doc: dict) -> Path:
    """Where the code a run executes lives: a command job's working directory; for the built-in
    jobs, the checkout holding the fertui package (its trainer and models)."""
    cwd = ((doc.get("config") or {}).get("job") or {}).get("cwd")
    if doc.get("kind") == "command" and cwd:
        return Path(cwd)
    return Path(__file__).resolve().parent.parent.parent


class QueueRecorder:
    """Code states for one `fertui add`: each folder is looked at once, however many runs."""

    def __init__(self):
        self._states: dict[Path, CodeState | None] = {}

    def state(self, doc: dict) -> CodeState | None:
        folder = code_dir(doc)
        if folder not in self._states:
            self._states[folder] = code_state(folder)
        return self._states[folder]

    def mark(self, doc: dict) -> None:
        """Put the code summary into DOC (before it is stored)."""
        state = self.state(doc)
        if state is not None:
            doc["code"] = state.summary()

    def write(self, run_dir: Path, doc: dict) -> None:
        state = self.state(doc)
        if state is not None:
            write_record(run_dir, "queued", {"code": state.summary()}, state.patch)


def record_start(run: dict, run_dir: Path, argv: list[str], env: dict[str, str], gpu_names: list[str]) -> dict:
    """Write what RUN starts with into its folder; the fields for its run document."""
    state = code_state(code_dir(run))
    environment = job_environment(argv, env, run.get("kind") != "command", gpu_names)
    write_record(
        run_dir,
        "started",
        {"code": state.summary() if state else None, "environment": asdict(environment)},
        state.patch if state else "",
    )
    return {"code": state.summary()} if state else {}


def write_record(run_dir: Path, stage: str, record: dict, patch: str) -> None:
    folder = run_dir / FOLDER
    folder.mkdir(exist_ok=True)
    data = patch.encode("utf-8", errors="replace")
    if len(data) > MAX_PATCH_BYTES:
        record = {**record, "patch_cut_at_bytes": MAX_PATCH_BYTES, "patch_bytes": len(data)}
        patch = data[:MAX_PATCH_BYTES].decode("utf-8", errors="ignore")
    if patch:
        atomic_write_text(folder / f"{stage}.diff", patch)
    atomic_write_text(folder / f"{stage}.json", json.dumps(record, indent=1, sort_keys=True))


def read_record(run_dir: Path) -> tuple[str, dict, str]:
    """(stage, record, patch) of the latest record in RUN_DIR: "started", else "queued", else ("", {}, "")."""
    for stage in ("started", "queued"):
        try:
            record = json.loads((run_dir / FOLDER / f"{stage}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        try:
            patch = (run_dir / FOLDER / f"{stage}.diff").read_text(encoding="utf-8")
        except OSError:
            patch = ""
        return stage, record, patch
    return "", {}, ""


def fingerprint(run: dict) -> str:
    """The id of the code state RUN ran (or was queued) with; "" when unknown (no git)."""
    return ((run.get("code") or {}).get("fingerprint")) or ""
