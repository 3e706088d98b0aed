"""How the trainer's entry point ends: OOM -> oom event + exit 4, bad config -> exit 2 (in process)."""

from __future__ import annotations

import pytest
import torch

import fertui.report as report
from fertui.train import __main__ as train_main
from fertui.train.loop import Trainer

from .trainjob import events, write_run


@pytest.fixture
def run_dir(tmp_path, monkeypatch, data_cache):
    folder = write_run(
        tmp_path, {"data": {"synthetic_train": 14, "synthetic_test": 7, "batch_size": 7}}, data_cache=data_cache
    )
    monkeypatch.setenv("FERTUI_RUN_DIR", str(folder))
    report.close()
    yield folder
    report.close()


@pytest.mark.parametrize(
    "error",
    [
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 503840768 bytes."),
    ],
)
def test_out_of_memory_is_an_oom_event_and_exit_code_4(run_dir, monkeypatch, error):
    def run_out_of_memory(self, resume_from):
        raise error

    monkeypatch.setattr(Trainer, "run", run_out_of_memory)
    assert train_main.main([]) == report.EXIT_OOM
    ooms = [e for e in events(run_dir) if e["type"] == "oom"]
    assert len(ooms) == 1 and str(error).split(".")[0] in ooms[0]["message"]


def test_other_runtime_errors_are_not_mistaken_for_oom(run_dir, monkeypatch):
    def run_broken(self, resume_from):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(Trainer, "run", run_broken)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        train_main.main([])
    assert not [e for e in events(run_dir) if e["type"] == "oom"]


def test_a_bad_config_key_exits_2_naming_file_and_key(run_dir, capsys):
    (run_dir / "config.toml").write_text('[train]\nepochs = "many"\n')
    assert train_main.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert "config.toml" in err and "train.epochs" in err and len(err.splitlines()) == 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_a_gpu_cache_on_a_cpu_machine_exits_2_in_one_line(run_dir, capsys):
    text = (run_dir / "config.toml").read_text().replace("[data]\n", '[data]\ncache = "gpu"\n')
    (run_dir / "config.toml").write_text(text)
    assert train_main.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.endswith(
            'config.toml: data.cache: "gpu" needs a CUDA GPU and this machine has none; expected "ram" or "none" here'
        )
        and len(err.splitlines()) == 1
    )
