"""What the runs take on disk (``fertui du``) and freeing it safely (``fertui clean``).

A run folder's bytes fall in three kinds: checkpoints (``checkpoints/``: what resume, explain and
per-class need), logs (events, captured scalars, stdout), and the rest (TensorBoard and W&B
files, artifacts). ``clean`` removes checkpoints, and with ``what="all"`` the rest too; it never
touches the record a run is known by (``config.toml``, ``exit.json``, the events and stdout: the
curves stay), never a queued or running run, and marks each cleaned run in the store
(``cleaned``), so a command that needed a removed file says so instead of failing.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from fertui.metrics import Objective, rank_key
from fertui.store import ACTIVE_STATES, Store
from fertui.workspace import Workspace

CHECKPOINTS = "checkpoints"
LOG_FILES = frozenset({"events.jsonl", "captured.jsonl", "stdout.log"})
# The run's record, and artifacts/ (confusion matrices, predictions: kilobytes that per-class needs).
KEPT_FILES = LOG_FILES | {"config.toml", "exit.json", "env.json", "stop.json", "artifacts"}
FAILED_STATES = ("failed", "nan", "oom")


@dataclass
class Usage:
    checkpoints: int = 0
    logs: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.checkpoints + self.logs + self.other

    def add(self, other: Usage) -> None:
        self.checkpoints += other.checkpoints
        self.logs += other.logs
        self.other += other.other


def _size(path: Path) -> int:
    try:
        return path.lstat().st_blocks * 512  # what the disk holds, not the apparent size
    except OSError:
        return 0


def _tree_size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        total += sum(_size(Path(root) / name) for name in files)
    return total


def run_usage(run_dir: Path) -> Usage:
    usage = Usage()
    try:
        entries = list(os.scandir(run_dir))
    except OSError:
        return usage
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            size = _tree_size(path)
            if entry.name == CHECKPOINTS:
                usage.checkpoints += size
            else:
                usage.other += size
        elif entry.name in LOG_FILES or entry.name.endswith(".log"):
            usage.logs += _size(path)
        else:
            usage.other += _size(path)
    return usage


@dataclass
class UsageRow:
    label: str  # a sweep, "(no sweep)", or a run id
    runs: int
    usage: Usage = field(default_factory=Usage)


def usage_by_sweep(ws: Workspace, runs: Iterable[dict]) -> list[UsageRow]:
    rows: dict[str, UsageRow] = {}
    for run in runs:
        label = run.get("sweep") or "(no sweep)"
        row = rows.setdefault(label, UsageRow(label, 0))
        row.runs += 1
        row.usage.add(run_usage(ws.run_dir(run["id"])))
    return sorted(rows.values(), key=lambda r: -r.usage.total)


def usage_by_run(ws: Workspace, runs: Iterable[dict]) -> list[UsageRow]:
    return [UsageRow(f"{r['id']} {r.get('name', '')}", 1, run_usage(ws.run_dir(r["id"]))) for r in runs]


@dataclass
class CleanItem:
    run: dict
    reason: str
    paths: list[Path]
    bytes: int


def _removable(run_dir: Path, what: str) -> list[Path]:
    if what == "checkpoints":
        folder = run_dir / CHECKPOINTS
        return [folder] if folder.exists() else []
    try:
        return [Path(e.path) for e in os.scandir(run_dir) if e.name not in KEPT_FILES]
    except OSError:
        return []


def _objective_value(run: dict, objective: Objective) -> float | None:
    value = ((run.get("summary") or {}).get("best") or {}).get(objective.metric)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def plan_clean(
    ws: Workspace, store: Store, lost: bool, failed: bool, keep_best: int | None, what: str, sweep: str | None = None
) -> list[CleanItem]:
    """What ``clean`` would remove: runs lost / failed, and per sweep all but the KEEP_BEST best
    (by the sweep's objective and direction). Active runs are never chosen."""
    runs = store.sweep_runs(sweep) if sweep else list(store.iter_runs_newest_first())
    chosen: dict[str, str] = {}
    for run in runs:
        if run["status"] in ACTIVE_STATES:
            continue
        if lost and run["status"] == "lost":
            chosen[run["id"]] = "lost"
        elif failed and run["status"] in FAILED_STATES:
            chosen[run["id"]] = run["status"]
    if keep_best is not None:
        by_sweep: dict[str, list[dict]] = {}
        for run in runs:
            if run.get("sweep") and run["status"] not in ACTIVE_STATES:
                by_sweep.setdefault(run["sweep"], []).append(run)
        for name, members in by_sweep.items():
            record = store.get_sweep(name) or {}
            objective = Objective.of(record.get("objective"), record.get("direction"))
            ranked = sorted(members, key=lambda r: rank_key(objective.direction)(_objective_value(r, objective)))
            for run in ranked[keep_best:]:
                chosen.setdefault(run["id"], f"not among the {keep_best} best of {name}")
    items = []
    for run in runs:
        if run["id"] in chosen:
            paths = _removable(ws.run_dir(run["id"]), what)
            size = sum(_tree_size(p) if p.is_dir() else _size(p) for p in paths)
            if paths:
                items.append(CleanItem(run, chosen[run["id"]], paths, size))
    return sorted(items, key=lambda i: i.run["id"])


def apply_clean(store: Store, items: list[CleanItem], what: str) -> int:
    """Remove ITEMS' files and mark their runs cleaned; the bytes freed."""
    freed = 0
    for item in items:
        for path in item.paths:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        freed += item.bytes
        store.update_run(item.run["id"], cleaned={"what": what, "time": time.time(), "bytes": item.bytes})
    return freed


def cleaned_note(run: dict) -> str | None:
    """One line saying a run's files were removed by ``fertui clean``, or None."""
    cleaned = run.get("cleaned")
    if not isinstance(cleaned, dict):
        return None
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(cleaned.get("time", 0)))
    what = "checkpoints" if cleaned.get("what") == "checkpoints" else "checkpoints and other large files"
    return f"run {run['id']}'s {what} were removed by `fertui clean` on {when}"


def human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def usage_lines(rows: list[UsageRow], free_bytes: int | None) -> list[str]:
    """``du``'s table: one row per sweep (or run), then the total and what the disk has free."""
    width = max([len(r.label) for r in rows] + [5])
    lines = [f"{'':{width}}  {'runs':>5}  {'checkpoints':>11}  {'logs':>9}  {'other':>9}  {'total':>9}"]
    total, count = Usage(), 0
    for r in rows:
        u = r.usage
        total.add(u)
        count += r.runs
        lines.append(
            f"{r.label:{width}}  {r.runs:>5}  {human_bytes(u.checkpoints):>11}  {human_bytes(u.logs):>9}  "
            f"{human_bytes(u.other):>9}  {human_bytes(u.total):>9}"
        )
    lines.append(
        f"{'total':{width}}  {count:>5}  {human_bytes(total.checkpoints):>11}  {human_bytes(total.logs):>9}  "
        f"{human_bytes(total.other):>9}  {human_bytes(total.total):>9}"
    )
    if free_bytes is not None:
        lines.append(f"free on the workspace disk: {human_bytes(free_bytes)}")
    return lines


def clean_lines(items: list[CleanItem], done: bool) -> list[str]:
    verb = "removed" if done else "would remove"
    lines = [f"{i.run['id']}  {i.run.get('name', '')}  {human_bytes(i.bytes)}  ({i.reason})" for i in items]
    total = sum(i.bytes for i in items)
    lines.append(f"{verb} {human_bytes(total)} from {len(items)} run(s)" + ("" if done else "; add --yes to do it"))
    return lines
