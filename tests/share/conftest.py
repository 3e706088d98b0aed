"""Fixtures of the share tests: the headless browser, and a small finished sweep."""

from __future__ import annotations

import json

import pytest

from tests.share.browser import browser  # noqa: F401  (a fixture)
from tests.sweeps.conftest import DEPTH_LR, SweepSpace

SECRET = "hf_s3cretTOKEN"


@pytest.fixture
def finished_sweep(tmp_path) -> SweepSpace:
    """DepthLR (2 depths x 5 LRs x 2 seeds) done, loss curves logged, one run ended NaN, and a
    token in [job.env] that no report may show unasked."""
    (tmp_path / "ws").mkdir()
    space = SweepSpace(tmp_path / "ws")
    ids = space.add("DepthLR.toml", DEPTH_LR.replace("[data]", f'[job.env]\nHF_TOKEN = "{SECRET}"\n[data]'))
    for run in space.runs():
        with open(space.ws.run_dir(run["id"]) / "events.jsonl", "w") as fh:
            for step in range(5):
                fh.write(json.dumps({"type": "log", "step": step, "metrics": {"train/loss": 2.0 / (step + 1)}}) + "\n")
    space.finish_all(skip=[ids[-1]])  # the last: depth 4 at the largest LR, seed 1
    space.finish(ids[-1], "nan")
    return space
