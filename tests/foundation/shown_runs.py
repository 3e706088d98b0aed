"""A small real sweep workspace whose runs are in every state, with frozen times: the data the
presentation and 80-column tests show through ls, fertui run, show, board and the console."""

from __future__ import annotations

import os
from pathlib import Path

from tests.sweeps.conftest import SweepSpace, accuracy

FROZEN = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC
NOW = FROZEN + 3 * 86400 + 125.0
SWEEP = """
    [run]
    name = "CLSFERBaseline_depth{model.depth}_SearchLR_lr{optim.lr}"
    [job]
    command = ["python", "-c", "print({optim.lr}, {model.depth})"]
    [sweep]
    name = "CLSFERBaseline_SearchDepthLR"
    [sweep.axes]
    "model.depth" = [2, 4]
    "optim.lr" = [1e-5, 3.2e-5, 1e-4, 3.2e-4]
    [sweep.roles]
    "model.depth" = "scientific"
    "optim.lr" = "nuisance"
"""
SNAPSHOTS = Path(__file__).parent / "snapshots"


def fill(root: Path) -> SweepSpace:
    """Eight runs: four done, one NaN, one failed, one running at epoch 2.2 of 4, one queued."""
    space = SweepSpace(root)
    ids = space.add("depth_lr.toml", SWEEP)
    for i, run in enumerate(space.runs()):
        p = run["params"]
        space.store.update_run(run["id"], created=FROZEN)
        if run["id"] != ids[7]:
            space.store.update_run(
                run["id"], started=FROZEN + 60 * i, ended=FROZEN + 60 * i + 125 + i, slot=f"cpu{i % 2}"
            )
        if run["id"] == ids[2]:
            space.finish(
                run["id"], "nan", None, nan_step=37, step=37, epoch=1, epochs=4, last={"train/loss": float("nan")}
            )
        elif run["id"] == ids[5]:
            space.finish(run["id"], "failed", None, epoch=0, epochs=4)
        elif run["id"] == ids[6]:
            space.store.update_run(
                run["id"],
                status="running",
                ended=None,
                started=NOW - 125,
                summary={
                    "objective": "val/acc",
                    "epoch": 2,
                    "epochs": 4,
                    "progress": 0.55,
                    "eta_s": 300,
                    "last": {"train/loss": 0.4123},
                    "best": {"val/acc": 71.25},
                },
            )
        elif run["id"] != ids[7]:
            space.finish(
                run["id"],
                "done",
                accuracy(p["model.depth"], p["optim.lr"]),
                epoch=4,
                epochs=4,
                last={"train/loss": 0.2},
            )
    return space


def matches_snapshot(name: str, text: str) -> bool:
    """TEXT equals snapshots/NAME.txt; FERTUI_UPDATE_SNAPSHOTS=1 (re)writes it: look at it first."""
    path = SNAPSHOTS / f"{name}.txt"
    text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"  # Rich pads lines to the table's width
    if os.environ.get("FERTUI_UPDATE_SNAPSHOTS"):
        path.write_text(text)
    return path.exists() and path.read_text() == text
