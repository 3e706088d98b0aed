"""data.num_workers = "auto": none on a CPU, one per spare core on a GPU machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from fertui.config.loader import apply_sets, validate_tree
from fertui.data import build_loaders
from fertui.data.workers import MAX_AUTO_WORKERS, auto_workers, resolve_workers, usable_cpus

from .conftest import config


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 1), (4, 3), (9, 8), (64, MAX_AUTO_WORKERS)])
def test_auto_on_a_gpu_leaves_one_core_to_the_training_loop(cpus, expected):
    assert auto_workers(on_gpu=True, cpus=cpus) == expected


def test_auto_on_a_cpu_is_zero_and_a_number_is_kept():
    assert auto_workers(on_gpu=False, cpus=64) == 0
    assert resolve_workers("auto", on_gpu=False) == 0 and resolve_workers(3, on_gpu=True) == 3


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux affinity masks")
def test_usable_cpus_follow_the_affinity_mask():
    assert usable_cpus() == len(os.sched_getaffinity(0)) <= (os.cpu_count() or 1)


def test_default_config_resolves_auto_for_this_machine(imagefolder_root: Path):
    assert validate_tree("t.toml", {}).data["data"]["num_workers"] == "auto"
    loaders = build_loaders(config("imagefolder", imagefolder_root), seed=0)
    assert loaders.train.num_workers == auto_workers(torch.cuda.is_available())
    forced_cpu = validate_tree(
        "t.toml",
        {
            "data": {"name": "imagefolder", "root": str(imagefolder_root)},
            "train": {"device": "cpu"},
            "model": {"input_size": 32},
        },
    ).data
    assert build_loaders(forced_cpu, seed=0).train.num_workers == 0


def test_set_accepts_auto_or_an_integer():
    tree = apply_sets({}, ["data.num_workers=auto"])
    assert validate_tree("t.toml", tree).data["data"]["num_workers"] == "auto"
    assert validate_tree("t.toml", apply_sets({}, ["data.num_workers=4"])).data["data"]["num_workers"] == 4
