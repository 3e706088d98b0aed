"""Job order: a run that waits for other runs or whole sweeps to end (``fertui add --after``,
``[run] after``).

At queue time each reference is resolved once: an existing run (id or name) or an existing
sweep; anything else is one line, exit code 2, and nothing is queued. The scheduler then asks
``dependency_state`` each tick:

- a run dependency is met when that run ended ``done`` or ``pruned`` (a lost run follows the run
  it was requeued as); it failed when that run ended any other way;
- a sweep dependency is met when the sweep has nothing queued, running or held and at least one
  of its runs is ``done``; it failed when it ended with none done.

A run whose dependency failed is held (``held``, with the reason) and an alert is raised; it
waits for ``fertui queue resume`` or ``fertui cancel``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fertui.errors import UserError
from fertui.store import ACTIVE_STATES, Store

MET_STATES = ("done", "pruned")


@dataclass(frozen=True)
class DependencyState:
    state: str  # "met" | "waiting" | "failed"
    reason: str = ""


def resolve_after(store: Store, refs: Iterable[str], source: str = "run.after") -> tuple[list[str], list[str]]:
    """(run ids, sweep names) that REFS name; a UserError naming the first that names neither."""
    run_ids: list[str] = []
    sweeps: list[str] = []
    known_sweeps = {s.get("name") for s in store.sweeps()}
    for ref in refs:
        text = str(ref).strip()
        if text in known_sweeps:
            sweeps.append(text)
            continue
        try:
            run_ids.append(store.resolve_run(text)["id"])
        except UserError:
            raise UserError(f"{source}: {text!r} is neither a run (id or name) nor a sweep") from None
    return list(dict.fromkeys(run_ids)), list(dict.fromkeys(sweeps))


def dependency_state(
    run: dict,
    get_run: Callable[[str], dict | None],
    sweep_active: Callable[[str], bool],
    sweep_done_count: Callable[[str], int],
) -> DependencyState:
    """Whether RUN may start; the first unmet dependency says why not."""
    for run_id in run.get("after_runs") or []:
        dep = get_run(run_id)
        seen = set()
        while dep is not None and dep.get("status") == "lost" and dep.get("requeued_as") and dep["id"] not in seen:
            seen.add(dep["id"])
            dep = get_run(dep["requeued_as"])
        if dep is None:
            return DependencyState("failed", f"after {run_id}, which no longer exists")
        if dep["status"] in ACTIVE_STATES:
            return DependencyState("waiting", f"after {dep['id']} ({dep['status']})")
        if dep["status"] not in MET_STATES:
            return DependencyState("failed", f"after {dep['id']}, which ended {dep['status']}")
    for sweep in run.get("after_sweeps") or []:
        if sweep_active(sweep):
            return DependencyState("waiting", f"after sweep {sweep}")
        if sweep_done_count(sweep) == 0:
            return DependencyState("failed", f"after sweep {sweep}, which ended with no run done")
    return DependencyState("met")
