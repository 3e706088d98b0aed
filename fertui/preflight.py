"""Queue-time checks of what a run will need when it starts: its model, its data, and an
objective its job reports.

A bad sweep found 45 s into its first run has already burnt the night's queue; these checks
cost milliseconds (no torch, no image decoded) and run before anything is queued.
"""

from __future__ import annotations

from typing import Any

from fertui.config import RunConfig
from fertui.errors import ConfigError
from fertui.job_metrics import objective_problem
from fertui.workspace import Workspace


def check_objective(cfg: RunConfig) -> None:
    """A ConfigError when CFG's sweep names an objective its built-in job never reports."""
    if cfg.sweep is None:
        return
    problem = objective_problem(cfg.data["job"]["kind"], cfg.sweep["objective"])
    if problem:
        raise ConfigError(cfg.source, "sweep.objective", problem)


def check_docs(docs: list[dict[str, Any]], workspace: Workspace) -> None:
    """A ConfigError for the first run doc whose model or data set cannot be there at start."""
    from fertui.input_limits import check_queued_docs
    from fertui.model_index import load_index, unknown_model_message

    check_queued_docs(docs)
    index = None
    seen: set[tuple] = set()  # a sweep's cells mostly share model and data: check each once
    for doc in docs:
        config, source = doc["config"], doc["source"]
        kind = doc.get("kind")
        if kind == "train":
            wanted = [("model.name", config["model"]["name"])]
        elif kind == "bench":
            wanted = [(f"bench.models[{i}]", n) for i, n in enumerate(config["bench"]["models"])]
        else:
            continue  # a command job's models and data are its own business
        for key, name in wanted:
            if ("model", name) in seen:
                continue
            seen.add(("model", name))
            index = index or load_index()
            problem = unknown_model_message(name, index) if index is not None else None
            if problem:
                raise ConfigError(source, key, problem)
        if kind == "train":
            data = config["data"]
            data_key = ("data", data["name"], data["root"], data["layout"])
            if data_key not in seen and data["name"] != "synthetic":  # drawn data: nothing on disk to check
                seen.add(data_key)
                from fertui.config import RunConfig
                from fertui.data.registry import check_layout

                check_layout(RunConfig(source=source, data=config), workspace.root)
