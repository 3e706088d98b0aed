"""The console's plain parts: chart downsampling, cell formatting, the name filter, and the
GPU-process-to-run join (with real processes in their own session, as jobs run)."""

from __future__ import annotations

import math
import subprocess
import sys

from fertui.presentation import fmt_duration, fmt_num, middle_cut
from fertui.tui.rows import name_matches
from fertui.tui.series import RunSeries, downsample
from fertui.tui.system import probe_gpus, run_of_pid


def test_downsample_keeps_spikes_and_the_last_point():
    xs = list(range(10_000))
    ys = [1.0 / (1 + i) for i in xs]
    ys[5_000] = 50.0  # one spike in the middle of a long curve
    dx, dy = downsample(xs, ys, 200)
    assert len(dx) <= 202
    assert 50.0 in dy and dx[-1] == 9_999 and dy[-1] == ys[-1]
    assert downsample(xs[:100], ys[:100], 200) == (xs[:100], ys[:100])


def test_series_collects_metrics_and_nan_steps():
    series = RunSeries()
    nans = series.add(
        [
            {"type": "start", "steps_per_epoch": 4},
            {"type": "log", "step": 0, "metrics": {"train/loss": 1.0, "note": "x"}},
            {"type": "log", "step": 1, "metrics": {"train/loss": math.nan}},
            {"type": "nan", "step": 1, "metric": "train/loss"},
        ]
    )
    assert [n["step"] for n in nans] == [1] and series.nan_steps == [1]
    assert series.curve("train/loss")[0] == [0, 1] and "note" not in series.metrics
    assert series.start["steps_per_epoch"] == 4


def test_cells_and_filter():
    assert (fmt_num(math.nan), fmt_num(0.000123456), fmt_num(1234.5), fmt_num(None)) == ("NaN", "0.0001235", "1234", "")
    assert (fmt_duration(59), fmt_duration(61), fmt_duration(3725)) == ("59s", "1m01s", "1h02m")
    assert middle_cut("CLSFERBaseline_depth4_SearchLR_lr1e-4", 20) == "CLSFERBas…hLR_lr1e-4"
    run = {"name": "CLSFERBaseline_depth4_SearchLR"}
    assert name_matches(run, "depth4") and name_matches(run, "*search*") and not name_matches(run, "depth2")
    assert (
        name_matches(run, "CLSFER*_SearchLR") and name_matches(run, "Baseline") and not name_matches(run, "*_depth2*")
    )


def test_no_gpu_here_means_none_not_an_error():
    gpus = probe_gpus()
    assert gpus is None or all(g.total_mb > 0 for g in gpus)


def test_a_process_deep_in_a_job_is_joined_to_its_run():
    """A job leads its own session; the process holding the GPU may be its grandchild."""
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
        "print(p.pid, flush=True); time.sleep(30)"
    )
    job = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        child = int(job.stdout.readline())
        runs = [{"id": "00001", "pid": 999_999_999}, {"id": "00002", "pid": job.pid}]
        assert run_of_pid(job.pid, runs)["id"] == "00002"
        assert run_of_pid(child, runs)["id"] == "00002"  # by process group (and by ancestry)
        assert run_of_pid(child, [{"id": "x", "pid": 999_999_999}]) is None
    finally:
        import os
        import signal

        os.killpg(job.pid, signal.SIGKILL)
        job.wait()


def test_queue_shows_the_slurm_job_where_a_local_slot_would_be(tmp_path):
    from fertui.tui.screens.picker import config_files
    from fertui.tui.screens.queue import where

    assert where({"slot": "cpu0"}) == "cpu0"
    assert where({"slot": "slurm0", "slurm_job": "812", "partition": "gpu", "node": "n07"}) == "#812 gpu/n07"
    assert where({"slurm_job": "813"}) == "#813"
    (tmp_path / "sweeps").mkdir()
    for name in ("a.toml", "references.toml", "sweeps/b.toml"):
        (tmp_path / name).write_text("")
    assert [p.name for p in config_files(tmp_path)] == ["a.toml", "b.toml"]  # published results are no config
