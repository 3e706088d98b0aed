"""Sweep workspaces: real configs, real enqueue (store + Optuna journal), runs finished by hand
or by the real scheduler running short `python -c` jobs whose objective is a known function."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from fertui.config import load_config
from fertui.plan import enqueue, plan_runs
from fertui.store import Store
from fertui.sweeps.lifecycle import run_finished
from fertui.workspace import open_workspace


def accuracy(depth: int, lr: float, seed: int = 0) -> float:
    """The known response surface the tests check boards against: peak at lr = 10**-4.5."""
    return 80 + depth - 5 * (math.log10(lr) + 4.5) ** 2 + 0.5 * seed


class SweepSpace:
    def __init__(self, root: Path):
        self.root = root
        (root / "configs").mkdir(exist_ok=True)

    @property
    def ws(self):
        return open_workspace(self.root)

    @property
    def store(self) -> Store:
        return Store(self.ws.store_path)

    def config(self, name: str, text: str) -> Path:
        path = self.root / "configs" / name
        path.write_text(textwrap.dedent(text))
        return path

    def add(self, name: str, text: str | None = None, sets: list[str] = ()) -> list[str]:
        path = self.config(name, text) if text is not None else self.root / "configs" / name
        from fertui.cli.runs import _best_of_resolver

        cfg = load_config(path, list(sets), _best_of_resolver(self.ws))
        return enqueue(self.ws, plan_runs(cfg, self.ws))

    def runs(self, sweep: str | None = None) -> list[dict]:
        return [r for r in self.store.runs() if sweep is None or r.get("sweep") == sweep]

    def finish(self, run_id: str, status: str = "done", value: float | None = None, **summary) -> dict:
        """End a run the way the scheduler records it, then call the sweep hook."""
        fields = {
            "status": status,
            "summary": {"objective": "val/acc", "best": {} if value is None else {"val/acc": value}, **summary},
        }
        self.store.update_run(run_id, **fields)
        run = self.store.get_run(run_id)
        run_finished(self.ws, run)
        return run

    def finish_all(self, fn=accuracy, skip=()) -> None:
        for run in self.store.runs():
            if run["id"] in skip or run["status"] != "queued":
                continue
            p = run["params"]
            self.finish(run["id"], "done", fn(p["model.depth"], p["optim.lr"], p["run.seed"]))

    def study(self, name: str):
        import optuna
        from optuna.storages.journal import JournalFileBackend

        storage = optuna.storages.JournalStorage(JournalFileBackend(str(self.root / "runs" / "optuna.journal")))
        return optuna.load_study(study_name=name, storage=storage)


@pytest.fixture
def space(tmp_path) -> SweepSpace:
    return SweepSpace(tmp_path)


DEPTH_LR = """
    [run]
    name = "CLSFERBaseline_depth{model.depth}_SearchLR"
    [job]
    command = ["python", "-c", "print({optim.lr}, {model.depth})"]
    [data]
    name = "rafdb"
    [sweep]
    name = "DepthLR"
    seeds = [0, 1]
    [sweep.axes]
    "model.depth" = [2, 4]
    "optim.lr" = "logspace(1e-5, 1e-4, per_decade=4)"
    [sweep.roles]
    "model.depth" = "scientific"
    "optim.lr" = "nuisance"
"""

# A one-axis sweep (no LR, no depth) of four command runs: exports and reports along its own axis.
EPS_SWEEP = """
    [job]
    command = ["true"]
    [sweep]
    name = "EPS"
    [sweep.axes]
    "optim.eps" = "logspace(1e-9, 1e-6, per_decade=1)"
"""
