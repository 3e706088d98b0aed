"""Resuming from an epoch's checkpoint gives the same weights as never stopping (in process)."""

from __future__ import annotations

import pytest
import torch

import fertui.report as report
from fertui.train import checkpoint as ckpt
from fertui.train.jobconfig import load_job_config
from fertui.train.loop import Trainer

from .trainjob import write_run

SMALL = {
    "data": {"synthetic_train": 64, "synthetic_test": 14, "batch_size": 16, "hflip": True},
    "train": {"epochs": 2, "log_every": 4},
    "model": {"drop_path": 0.1},
}


def trained(run_dir, monkeypatch, stop_after_epoch: int | None = None) -> Trainer:
    monkeypatch.setenv("FERTUI_RUN_DIR", str(run_dir))
    report.close()
    try:
        trainer = Trainer(load_job_config(run_dir), run_dir)
        if stop_after_epoch is None:
            last = ckpt.last_path(run_dir)
            assert trainer.run(last if last.exists() else None) == 0
        else:  # as if killed during the next epoch: only the checkpoint survives
            for epoch in range(1, stop_after_epoch + 1):
                assert trainer.train_epoch(epoch)
                trainer.progress.epoch = epoch
                trainer.validate(epoch)
        return trainer
    finally:
        report.close()


@pytest.mark.parametrize("cache", ["none", "ram"])  # "ram": augmentations replay from the saved RNG state too
def test_resume_continues_exactly(tmp_path, monkeypatch, data_cache, cache):
    small = {**SMALL, "data": {**SMALL["data"], "cache": cache}}
    straight = trained(write_run(tmp_path / "a", small, data_cache=data_cache), monkeypatch)
    run_dir = write_run(tmp_path / "b", small, data_cache=data_cache)
    first = trained(run_dir, monkeypatch, stop_after_epoch=1)
    assert type(first.loaders.train).__name__ == ("CachedLoader" if cache == "ram" else "DataLoader")
    resumed = trained(run_dir, monkeypatch)
    assert resumed.progress.step == straight.progress.step == 2 * straight.steps_per_epoch
    for (name, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
