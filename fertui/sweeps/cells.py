"""A sweep cell and its value: the one rule board, isolation, sensitivity, compare, suggest,
export, report, the console's leaderboard and Optuna all ask.

Which runs make a cell
    Runs with the same values of every axis *and* the same values of every other resolved
    config key. A run whose config differs from its sweep's base in a key outside the axes
    (``fertui add --force --set train.epochs=2`` on an existing sweep) belongs to a different
    cell, a *variant* of the axis cell: its ``variant`` names the keys and values that differ.
    Keys that cannot change a result (the run's name, seed, priority and tags, its working
    folder, how output is captured, data-loader workers, threads) are no part of a cell.

How attempts of one seed reduce
    To the best finished attempt (in the metric's direction); a cancelled or failed retry never
    replaces a finished one. A seed with no finished attempt shows its latest attempt's state.

How seeds combine
    Mean and sample standard deviation over the seeds' values (``CellStats``).

Which cell a board position shows
    When several cells share a position (more axes than the view shows, or variants), the
    sweep's own cells come first: a variant is shown only where the sweep has no cell of its
    own; among those, the best mean wins. Variants of one axis cell are listed as a split.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from fertui.config.schema import field_for
from fertui.metrics import Direction, is_better, rank_key
from fertui.provenance.record import fingerprint

if TYPE_CHECKING:
    from fertui.sweeps.results import Observation
    from fertui.sweeps.spec import SweepSpec

Variant = tuple[tuple[str, Any], ...]  # (key, value) pairs where a run differs from its sweep's base

# Keys that say how a run is launched, named or watched, never what it computes.
NOT_PART_OF_A_CELL = frozenset(
    {
        "run.name",
        "run.seed",
        "run.tags",
        "run.priority",
        "job.cwd",
        "job.env",
        "job.output_scalars",
        "job.metrics_map",
        "job.metrics_csv",
        "job.tensorboard",
        "job.wandb",
        "job.metrics_direction",
        "data.num_workers",
        "data.pin_memory",
        "data.persistent_workers",
        "train.log_every",
        "train.threads",
    }
)


def _bookkeeping(key: str) -> bool:
    """KEY, or the table it lies in (a flat config spells job.env.CUDA_LAUNCH_BLOCKING and
    job.metrics_direction.val/margin out in full), is in NOT_PART_OF_A_CELL."""
    return any(key == k or key.startswith(k + ".") for k in NOT_PART_OF_A_CELL)


def _default(key: str) -> Any:
    found = field_for(key)
    return found.default if found is not None else None


def config_differences(base: dict[str, Any], other: dict[str, Any], axes: set[str]) -> Variant:
    """The keys (not axes, not bookkeeping) whose values differ between two flat configs, with
    OTHER's values; a key one side lacks counts as its schema default (a newer key)."""
    out = []
    for key in sorted(set(base) | set(other)):
        if key in axes or _bookkeeping(key):
            continue
        mine, theirs = base.get(key, _default(key)), other.get(key, _default(key))
        if mine != theirs:
            out.append((key, hashable(theirs)))
    return tuple(out)


def base_differences(old: SweepSpec, new: SweepSpec) -> Variant:
    """Where NEW's base differs from OLD's outside the axes of either (with NEW's values)."""
    if not old.base:
        return ()
    return config_differences(old.flat_base(), new.flat_base(), {a.key for a in (*old.axes, *new.axes)})


def variant_of(spec: SweepSpec, flat_config: dict[str, Any]) -> Variant:
    """Where a run's resolved config (flat) differs from SPEC's base outside the axes."""
    if not spec.base:  # a sweep stored before it kept its base: nothing to compare with
        return ()
    return config_differences(spec.flat_base(), flat_config, {a.key for a in spec.axes})


def hashable(value: Any) -> Any:
    """VALUE as a dict key (a list-valued axis, e.g. a milestone list, becomes a tuple)."""
    if isinstance(value, list):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


@dataclass
class CellStats:
    values: list[float] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)  # seeds[i] gave values[i]
    states: Counter = field(default_factory=Counter)
    pruned_epochs: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # the full sweep cell these runs share
    variant: Variant = ()  # non-axis keys where these runs differ from the sweep's base
    run_ids: list[str] = field(default_factory=list)
    best: bool = False
    code_states: set[str] = field(default_factory=set)  # code fingerprints of its runs (fertui.provenance)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def std(self) -> float | None:
        return statistics.stdev(self.values) if len(self.values) >= 2 else None


@dataclass
class CellSplit:
    """An axis cell whose runs differ in keys outside the axes: one CellStats per variant."""

    params: dict[str, Any]
    keys: list[str]  # the differing keys
    parts: list[CellStats]  # the sweep's own first
    base_values: dict[str, Any]  # the sweep's base value of each differing key


def settled(observations: list[Observation], direction: Direction) -> list[Observation]:
    """One observation per (cell, variant, seed): its best finished attempt, else its latest."""
    by_slot: dict[tuple, list[Observation]] = defaultdict(list)
    for o in observations:
        by_slot[(o.cell_key, o.variant, o.seed)].append(o)
    out = []
    for attempts in by_slot.values():
        finished = [o for o in attempts if o.value is not None]
        if finished:
            chosen = min(finished, key=lambda o: rank_key(direction)(o.value))
        else:
            chosen = max(attempts, key=lambda o: (len(o.run_id), o.run_id))  # ids grow with time
        states = frozenset(filter(None, (fingerprint(o.run) for o in attempts)))
        out.append(replace(chosen, code_states=states) if len(states) > 1 else chosen)  # marked, not hidden
    return out


def group_cells(observations: list[Observation], keys: list[str]) -> dict[tuple, CellStats]:
    """Settled runs grouped by their full cell (all axes plus KEYS, and variant), seeds pooled."""
    # results builds its observations with this module's rules: imported here, not at the top.
    from fertui.sweeps.results import lookup

    groups: dict[tuple, CellStats] = defaultdict(CellStats)
    for o in observations:
        params = {**o.cell, **{k: lookup(o.run, k) for k in keys if k not in o.cell}}
        stats = groups[(tuple(sorted((k, hashable(v)) for k, v in params.items())), o.variant)]
        stats.params, stats.variant = params, o.variant
        # A pruned run that had finished every epoch has a value: it counts as finished.
        stats.states["done" if o.value is not None else o.status] += 1
        stats.run_ids.append(o.run_id)
        stats.code_states |= o.code_states or ({fingerprint(o.run)} if fingerprint(o.run) else set())
        if o.value is not None:
            stats.values.append(o.value)
            stats.seeds.append(o.seed)
        if o.status == "pruned" and o.pruned_epoch is not None:
            stats.pruned_epochs.append(o.pruned_epoch)
    return dict(groups)


def sweep_cells(observations: list[Observation], keys: list[str], direction: Direction) -> dict[tuple, CellStats]:
    """The cells every view shows: attempts settled per seed, then seeds pooled per cell."""
    return group_cells(settled(observations, direction), keys)


def own_cells(candidates: list[CellStats]) -> list[CellStats]:
    """The sweep's own cells among CANDIDATES; the variants only where it has none."""
    return [c for c in candidates if not c.variant] or candidates


def pick_best(direction: Direction, candidates: list[CellStats]) -> CellStats:
    """The cell a position shows: among the sweep's own cells (variants only where there is
    none), the best mean; without any finished one, the one with most runs."""
    own = own_cells(candidates)
    best: CellStats | None = None
    for c in own:
        if c.mean is not None and (best is None or is_better(c.mean, best.mean, direction)):
            best = c
    return best if best is not None else max(own, key=lambda c: sum(c.states.values()))


def best_cell(observations: list[Observation], direction: Direction) -> CellStats | None:
    """The sweep's best finished cell (its own cells first, as :func:`pick_best`), None before any."""
    cells = list(sweep_cells(observations, [], direction).values())
    if not cells:
        return None
    best = pick_best(direction, cells)
    return best if best.mean is not None else None


def best_position(direction: Direction, cells: dict[Any, CellStats]) -> Any | None:
    """The key of the cell with the best mean among CELLS, None when none finished."""
    best = None
    for pos, stats in cells.items():
        if stats.mean is not None and (best is None or is_better(stats.mean, cells[best].mean, direction)):
            best = pos
    return best


def splits(spec: SweepSpec, cells: dict[tuple, CellStats]) -> list[CellSplit]:
    """The axis cells whose runs fall into more than one variant, each with the keys that differ."""
    by_axes: dict[tuple, list[CellStats]] = defaultdict(list)
    for (params_key, _variant), stats in cells.items():
        by_axes[params_key].append(stats)
    base = spec.flat_base()
    out = []
    for parts in by_axes.values():
        if len(parts) < 2:
            continue
        parts.sort(key=lambda c: (bool(c.variant), repr(c.variant)))  # values of any type: compare as text
        keys = sorted({k for c in parts for k, _ in c.variant})
        out.append(
            CellSplit(
                params=parts[0].params, keys=keys, parts=parts, base_values={k: base.get(k, _default(k)) for k in keys}
            )
        )
    return out
