"""SweepSpec: a validated [sweep] section, and how it is kept in the store's "sweeps" table."""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.config import RunConfig, flatten_free
from fertui.config.loader import validate_tree
from fertui.errors import UserError
from fertui.metrics import Direction, Objective, direction_of, name_direction
from fertui.records import objective_doc
from fertui.run_docs import run_doc
from fertui.store import Store
from fertui.sweeps.axes import Axis, parse_axis, same_value
from fertui.workspace import Workspace

DEFAULT_ROLE = "scientific"


@dataclass
class SweepSpec:
    name: str
    strategy: str
    objective: str
    direction: str
    seeds: list[int]
    budget: int
    axes: list[Axis]
    roles: dict[str, str]
    pruner: str
    pruner_warmup: int
    source: str
    name_template: str
    base: dict[str, Any] = field(default_factory=dict)  # resolved config tree without [sweep]

    @property
    def maximize(self) -> bool:
        return self.objective_spec.maximize

    @property
    def objective_spec(self) -> Objective:
        """The sweep's objective and direction, as :mod:`fertui.metrics` reads them."""
        return Objective.of(self.objective, self.direction)

    def metric_direction(self, metric: str | None) -> tuple[str, Direction]:
        """(METRIC or the objective, its direction): the objective's for the objective, else the
        base config's ``[job] metrics_direction``, else the name rule."""
        metric = metric or self.objective
        overrides = (self.base.get("job") or {}).get("metrics_direction") or {}
        return metric, direction_of(metric, self.objective_spec, overrides)

    @property
    def dataset(self) -> str:
        return str(self.base.get("data", {}).get("name", ""))

    def flat_base(self) -> dict[str, Any]:
        """The base config as dotted keys (what a run of any cell shares outside the axes)."""
        # Asked once per run observed: kept while ``base`` is the same object.
        cached = self.__dict__.get("_flat_base")
        if cached is None or cached[0] is not self.base:
            cached = self.__dict__["_flat_base"] = (self.base, flatten_free(self.base))
        return cached[1]

    def axis(self, key: str) -> Axis | None:
        return next((a for a in self.axes if a.key == key), None)

    def role(self, key: str) -> str:
        return self.roles.get(key, "nuisance" if key == "optim.lr" else DEFAULT_ROLE)

    def grid_size(self) -> int:
        size = 1
        for axis in self.axes:
            size *= len(axis.values)
        return size

    def run_budget(self) -> int:
        return self.budget or self.grid_size() * len(self.seeds)

    def cell_config(self, cell: dict[str, Any], seed: int) -> RunConfig:
        """The run config of CELL with SEED: the base with the cell's values put in."""
        tree = copy.deepcopy(self.base)
        tree.setdefault("run", {})["name"] = self.name_template
        tree["run"]["seed"] = seed
        for dotted, value in cell.items():
            section, _, key = dotted.partition(".")
            node = tree.setdefault(section, {})
            *parents, leaf = key.split(".") if section == "params" else [key]
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = value
        return validate_tree(self.source, tree)

    def cell_doc(self, cell: dict[str, Any], seed: int) -> dict:
        """The run document of CELL with SEED: it carries the sweep's objective and direction."""
        doc = run_doc(self.cell_config(cell, seed), sweep=self.name, cell={**cell, "run.seed": seed})
        doc["objective"] = objective_doc(self.objective_spec)
        doc["objective_hint"] = self.objective  # read by code from before runs carried "objective"
        return doc

    def with_value(self, key: str, value: Any) -> SweepSpec:
        spec = copy.copy(self)
        spec.axes = [a.with_value(value) if a.key == key else a for a in self.axes]
        return spec

    def to_doc(self) -> dict:
        return {
            "name": self.name,
            "strategy": self.strategy,
            "objective": self.objective,
            "direction": self.direction,
            "seeds": list(self.seeds),
            "budget": self.budget,
            "axes": [a.to_doc() for a in self.axes],
            "roles": dict(self.roles),
            "pruner": self.pruner,
            "pruner_warmup": self.pruner_warmup,
            "source": self.source,
            "name_template": self.name_template,
            "base": self.base,
            "dataset": self.dataset,
            "updated": time.time(),
        }

    @classmethod
    def from_doc(cls, doc: dict) -> SweepSpec:
        return cls(
            name=doc["name"],
            strategy=doc["strategy"],
            objective=doc["objective"],
            direction=doc["direction"],
            seeds=list(doc["seeds"]),
            budget=int(doc.get("budget", 0)),
            axes=[Axis.from_doc(a) for a in doc["axes"]],
            roles=dict(doc.get("roles", {})),
            pruner=doc.get("pruner", "none"),
            pruner_warmup=int(doc.get("pruner_warmup", 1)),
            source=doc.get("source", ""),
            name_template=doc.get("name_template", "{model.name}"),
            base=doc.get("base", {}),
        )


def spec_from_config(cfg: RunConfig) -> SweepSpec:
    sweep = cfg.sweep or {}
    name = sweep.get("name") or Path(cfg.source).stem
    axes = [parse_axis(cfg.source, key, raw) for key, raw in sweep.get("axes", {}).items()]
    base = cfg.to_toml_dict()
    base.pop("sweep", None)
    return SweepSpec(
        name=name,
        strategy=sweep["strategy"],
        objective=sweep["objective"],
        direction=sweep["direction"] or name_direction(sweep["objective"]).value,  # decided once, kept
        seeds=list(sweep["seeds"]) or [cfg.data["run"]["seed"]],
        budget=sweep["budget"],
        axes=axes,
        roles=dict(sweep["roles"]),
        pruner=sweep["pruner"],
        pruner_warmup=sweep["pruner_warmup"],
        source=cfg.source,
        name_template=cfg.data["run"]["name"],
        base=base,
    )


def merged(old: SweepSpec, new: SweepSpec) -> SweepSpec:
    """NEW, keeping axis values OLD already had (adding a sweep again widens it)."""
    spec = copy.copy(new)
    axes = []
    for axis in new.axes:
        prior = old.axis(axis.key)
        if prior is not None:
            for value in prior.values:
                axis = axis.with_value(value)
            axis = Axis(axis.key, axis.values, prior.log)  # Optuna needs the same scale forever
        axes.append(axis)
    spec.axes = axes
    return spec


def load_spec(ws: Workspace, name: str) -> SweepSpec | None:
    doc = Store(ws.store_path).get_sweep(name)
    return SweepSpec.from_doc(doc) if doc else None


def require_spec(ws: Workspace, name: str) -> SweepSpec:
    spec = load_spec(ws, name)
    if spec is None:
        known = sorted(s["name"] for s in Store(ws.store_path).sweeps())
        hint = f"; known sweeps: {', '.join(known)}" if known else "; queue one with `fertui add SWEEP.toml`"
        raise UserError(f"no sweep named '{name}' in {ws.store_path}{hint}")
    return spec


def grid_cells(spec: SweepSpec) -> list[dict[str, Any]]:
    """The full cartesian product, first axis slowest (the order the config lists them)."""
    keys = [a.key for a in spec.axes]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(a.values for a in spec.axes))]


def cell_of(spec: SweepSpec, params: dict[str, Any]) -> tuple:
    """A hashable identity of the cell PARAMS belongs to (seed excluded)."""
    return tuple(_norm(params.get(a.key)) for a in spec.axes)


def _norm(value: Any) -> Any:
    return float(f"{value:.9g}") if isinstance(value, float) else value


def has_value(axis: Axis, value: Any) -> bool:
    return any(same_value(value, v) for v in axis.values)
