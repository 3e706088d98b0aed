"""From a config with [sweep] to run documents: cells × seeds, in the strategy's order.

Nothing is written here: ``fertui add`` validates every config first, then enqueues all or
nothing; the spec goes along on the first run doc (``sweep_spec``) and is persisted by
:func:`fertui.sweeps.study.on_enqueued` right after the runs are inserted.
"""

from __future__ import annotations

import copy
from typing import Any

from fertui.config import RunConfig, compact
from fertui.errors import ConfigError
from fertui.sweeps.axes import same_value
from fertui.sweeps.cells import base_differences
from fertui.sweeps.spec import SweepSpec, cell_of, grid_cells, load_spec, merged, spec_from_config
from fertui.workspace import Workspace

MAX_GRID_RUNS = 20000
INITIAL_TRIALS = 4  # tpe/random: cells queued up front; each finished run asks for the next


def optuna_grid_order(spec: SweepSpec, cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CELLS in the order Optuna's GridSampler visits them (shuffled, seeded by the first seed)."""
    import optuna
    from optuna.distributions import CategoricalDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {a.key: list(a.values) for a in spec.axes}
    study = optuna.create_study(sampler=optuna.samplers.GridSampler(space, seed=spec.seeds[0]))
    dists = {a.key: CategoricalDistribution(list(a.values)) for a in spec.axes}
    order = []
    for i in range(len(cells)):
        trial = study.ask(dists)
        order.append({a.key: trial.params[a.key] for a in spec.axes})
        if i < len(cells) - 1:  # telling the last cell makes GridSampler call study.stop(), an error here
            study.tell(trial, 0.0)
    return order


def plan_sweep(cfg: RunConfig, ws: Workspace, force: bool = False) -> list[dict]:
    """Run docs for every cell × seed the sweep starts with (tpe/random: the first few).

    Adding to an existing sweep a config that differs from its base outside the axes (a
    ``--set train.epochs=2``) would mix two experiments in one cell: refused, unless FORCE,
    when those runs make their own cells (see :mod:`fertui.sweeps.cells`)."""
    spec = spec_from_config(cfg)
    if not spec.axes:
        raise ConfigError(cfg.source, "sweep.axes", 'expected at least one axis, e.g. "optim.lr" = [1e-4, 2e-4]')
    grid_runs = spec.grid_size() * len(spec.seeds)
    if spec.strategy in ("grid", "optuna-grid") and grid_runs > MAX_GRID_RUNS:
        raise ConfigError(
            cfg.source,
            "sweep.axes",
            f'the grid has {grid_runs} runs (at most {MAX_GRID_RUNS}); use strategy = "tpe" with a budget',
        )
    own = spec
    old = load_spec(ws, spec.name)
    if old is not None:
        if not force:
            _require_same_base(cfg, old, spec)
        spec = merged(old, spec)
    if spec.strategy not in ("grid", "optuna-grid"):
        return cell_docs(spec, _search_cells(spec, ws))
    cells = grid_cells(own) if spec.strategy == "grid" else optuna_grid_order(own, grid_cells(own))
    existing = _existing_runs(spec, old, base_differences(old, own), ws) if old is not None else set()
    # Adding a sweep again queues only what is new (axis values, seeds, a forced setting); with
    # nothing new it repeats the whole grid (`make run` twice runs the quickstart twice).
    return cell_docs(spec, cells, skip=existing) or cell_docs(spec, cells)


def _require_same_base(cfg: RunConfig, old: SweepSpec, new: SweepSpec) -> None:
    differing = base_differences(old, new)
    if not differing:
        return
    key, value = differing[0]
    others = f" (and {', '.join(k for k, _ in differing[1:])})" if len(differing) > 1 else ""
    was = old.flat_base().get(key)
    plain = isinstance(value, (int, float, str)) and len(compact(value)) <= 16
    name = f"{old.name}_{key.rsplit('.', 1)[-1]}{compact(value)}" if plain else "NEW_NAME"
    raise ConfigError(
        cfg.source,
        key,
        f"sweep '{old.name}' already has runs with {key} = {compact(was)}; "
        f"{compact(value)}{others} would put a different experiment in the same cells. "
        f"Name a new sweep (--set sweep.name={name}) or add --force to keep both in this "
        "sweep, shown split",
    )


def _existing_runs(spec: SweepSpec, old: SweepSpec, variant: tuple, ws: Workspace) -> set[tuple]:
    """The (cell, seed) pairs SPEC's sweep already has in VARIANT (its setting outside the axes,
    as it differs from OLD's base: () for the sweep's own)."""
    from fertui.sweeps.results import sweep_observations

    judged = copy.copy(spec)
    judged.base = old.base  # a run's variant is measured against the sweep's stored base
    observations, _ = sweep_observations(ws, judged)
    return {(o.cell_key, o.seed) for o in observations if o.status != "cancelled" and o.variant == variant}


def cell_docs(spec: SweepSpec, cells: list[dict[str, Any]], skip: set[tuple] = frozenset()) -> list[dict]:
    """Run docs for CELLS × the sweep's seeds but those in SKIP ((cell, seed) pairs); the first
    carries the spec for on_enqueued."""
    docs = []
    for cell in cells:
        for seed in spec.seeds:
            if (cell_of(spec, cell), seed) in skip:
                continue
            docs.append(spec.cell_doc(cell, seed))
    if docs:
        docs[0]["sweep_spec"] = spec.to_doc()
    return docs


def _search_cells(spec: SweepSpec, ws: Workspace) -> list[dict[str, Any]]:
    """tpe/random: the first few cells; lifecycle.top_up asks for the rest as runs end."""
    from fertui.sweeps.ranking import propose_cells
    from fertui.sweeps.results import sweep_observations

    observations, taken = sweep_observations(ws, spec)
    per_cell = len(spec.seeds)
    room = max(0, spec.run_budget() - sum(taken.values())) // per_cell
    count = min(INITIAL_TRIALS, room)
    picks = propose_cells(spec, observations, set(taken), count, sampler=spec.strategy, seed=len(taken))
    return [p.cell for p in picks]


def queued_summary(docs: list[dict], width: int | None = None) -> list[str]:
    """One line per sweep in DOCS saying what was queued: ``sweep S: 2 runs: model.depth=1 × optim.lr ∈ {…}``.
    A line wider than WIDTH puts each axis on its own indented line, so it never wraps mid-value."""
    from fertui.config import compact

    by_sweep: dict[str, list[dict]] = {}
    for doc in docs:
        if doc.get("sweep"):
            by_sweep.setdefault(doc["sweep"], []).append(doc)
    lines = []
    for name, runs in by_sweep.items():
        values: dict[str, list] = {}
        for doc in runs:
            for key, value in doc["params"].items():
                seen = values.setdefault(key, [])
                if not any(same_value(value, v) for v in seen):
                    seen.append(value)
        parts = []
        for key, seen in values.items():
            if key == "run.seed" and seen == [0]:
                continue  # the default single seed says nothing
            shown = [compact(v) for v in sorted(seen, key=_sort_key)]
            if len(shown) == 1:
                parts.append(f"{key}={shown[0]}")
            else:
                listed = shown if len(shown) <= 6 else [*shown[:3], "…", *shown[-2:]]
                parts.append(f"{key} ∈ {{{', '.join(listed)}}}")
        count = f"{len(runs)} run{'s' if len(runs) != 1 else ''}"
        line = f"sweep {name}: {count}: {' × '.join(parts)}" if parts else f"sweep {name}: {count}"
        if width is None or len(line) <= width:
            lines.append(line)
        else:
            lines += [f"sweep {name}: {count}:", *(f"  {'× ' if i else ''}{part}" for i, part in enumerate(parts))]
    return lines


def _sort_key(value: Any) -> tuple:
    return (0, value, "") if isinstance(value, (int, float)) and not isinstance(value, bool) else (1, 0, str(value))
