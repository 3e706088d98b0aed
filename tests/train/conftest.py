"""Fixtures for the trainer/bench tests (helpers live in trainjob.py)."""

from __future__ import annotations

import pytest

from .trainjob import write_run


@pytest.fixture(scope="session")
def data_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("synthetic-cache")


@pytest.fixture
def make_run(tmp_path, data_cache):
    """make_run(overrides, run_id, base) -> runs/<id>/ holding a config.toml like the manager writes."""
    return lambda overrides=None, run_id="00001", base=None: write_run(tmp_path, overrides, run_id, base, data_cache)
