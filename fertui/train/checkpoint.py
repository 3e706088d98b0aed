"""Checkpoints written atomically (temp file, fsync, rename) with everything a resume needs."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fertui.atomicio import atomic_file

CHECKPOINT_DIR = "checkpoints"
LAST, BEST = "last.pt", "best.pt"


def rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_atomic(obj: dict[str, Any], path: Path) -> None:
    """A crash or kill -9 at any point leaves either the old checkpoint or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "wb") as fh:
        torch.save(obj, fh)


# What best.pt keeps without the optimizer: enough for explain, per-class and fine-tuning.
WEIGHTS_KEYS = ("model", "epoch", "step", "best", "best_epoch", "classes", "config")


def weights_only(state: dict[str, Any]) -> dict[str, Any]:
    """STATE without the optimizer, scheduler, scaler and RNG states (a fraction of the size)."""
    return {k: v for k, v in state.items() if k in WEIGHTS_KEYS}


def load(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    # Our own files, holding RNG states and numpy arrays, so the full unpickler is needed.
    return torch.load(path, map_location=device, weights_only=False)


def last_path(run_dir: Path) -> Path:
    return run_dir / CHECKPOINT_DIR / LAST


def best_path(run_dir: Path) -> Path:
    return run_dir / CHECKPOINT_DIR / BEST
