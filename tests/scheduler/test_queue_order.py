"""Queue order and slots, with a foreground scheduler in this process and real job subprocesses."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import ConfigError
from fertui.scheduler.core import Scheduler
from fertui.scheduler.placement import GpuNeed, Occupant, Waiting
from fertui.scheduler.slots import GpuInfo, SlotPool


def drained(s: Scheduler) -> bool:
    return not s.tracked and not any(r["status"] == "queued" for r in s.runs.values())


def serve_until_drained(ws, **kwargs) -> Scheduler:
    scheduler = Scheduler(ws, **kwargs)
    scheduler.recover()
    scheduler.serve(until=drained)
    return scheduler


def test_priority_first_then_fifo(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\n")
    ids = [jobs.add("pass", f"run.priority={p}") for p in (0, 5, 0, 5, 1)]
    serve_until_drained(jobs.ws)
    runs = {r["id"]: r for r in jobs.store.runs()}
    assert all(runs[i]["status"] == "done" for i in ids)
    started = sorted(ids, key=lambda i: runs[i]["started"])
    assert started == [ids[1], ids[3], ids[4], ids[0], ids[2]]


def test_two_cpu_slots_run_two_jobs_at_once_never_three(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    ids = [jobs.add("import time; time.sleep(0.8)") for _ in range(5)]
    serve_until_drained(jobs.ws)
    runs = [jobs.run(i) for i in ids]
    assert all(r["status"] == "done" for r in runs)
    assert {r["slot"] for r in runs} == {"cpu0", "cpu1"}
    # The scheduler records `started` before the job runs and `ended` after it exits, so these
    # intervals contain the real ones: an overlap of 3 here would mean 3 jobs could have run.
    edges = sorted([(r["started"], 1) for r in runs] + [(r["ended"], -1) for r in runs])
    running, peak = 0, 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert peak == 2


def test_gpu_slots_set_cuda_visible_devices(jobs):
    jobs.settings("[scheduler]\ngpus = [0, 1]\njobs_per_gpu = 1\n")
    code = (
        "import os, fertui.report as r; r.summary(cvd=os.environ['CUDA_VISIBLE_DEVICES'], "
        "order=os.environ['CUDA_DEVICE_ORDER'], run=os.environ['FERTUI_RUN_ID'])"
    )
    ids = [jobs.add(code) for _ in range(3)]
    serve_until_drained(jobs.ws, inventory=lambda: [])
    runs = [jobs.run(i) for i in ids]
    for run in runs:
        values = run["summary"]["values"]
        assert run["status"] == "done"
        assert values["cvd"] == run["slot"].removeprefix("gpu")
        assert values["order"] == "PCI_BUS_ID" and values["run"] == run["id"]
    assert {r["slot"] for r in runs} == {"gpu0", "gpu1"}


def test_slot_pool_from_inventory_jobs_per_gpu_and_free_memory(jobs, monkeypatch):
    jobs.settings("[scheduler]\njobs_per_gpu = 2\nmin_free_memory_mb = 1000\n")
    gpus = [GpuInfo(0, "a", 16000, 15000), GpuInfo(1, "b", 16000, 500)]
    pool = SlotPool(jobs.ws, inventory=lambda: gpus)
    assert [s.name for s in pool.slots] == ["gpu0.0", "gpu0.1", "gpu1.0", "gpu1.1"]
    placer = pool.placer([Occupant("gpu0.0", (0,), GpuNeed())], set())
    assert pool.take(placer, {}).name == "gpu0.1"
    waiting = pool.take(placer, {})  # GPU 0 is full now; GPU 1's memory is someone else's
    assert isinstance(waiting, Waiting) and "gpu0 full" in waiting.reason and "gpu1 busy" in waiting.reason
    monkeypatch.setenv("FERTUI_FAKE_GPUS", "3")
    jobs.settings("")
    assert [s.env()["CUDA_VISIBLE_DEVICES"] for s in SlotPool(jobs.ws).slots] == ["0", "1", "2"]
    monkeypatch.delenv("FERTUI_FAKE_GPUS")
    from fertui.cpu_load import usable_cores

    assert [s.name for s in SlotPool(jobs.ws, inventory=lambda: []).slots] == [f"cpu{k}" for k in range(usable_cores())]
    assert SlotPool(jobs.ws, inventory=lambda: []).slots[0].env()["CUDA_VISIBLE_DEVICES"] == ""


@pytest.mark.parametrize(
    "text, key",
    [
        ('[scheduler]\ngpus = "all"\n', "scheduler.gpus"),
        ("[scheduler]\ncpu_slots = 0\n", "scheduler.cpu_slots"),
        ('[scheduler]\njobs_per_gpu = "2"\n', "scheduler.jobs_per_gpu"),
        ("[scheduler]\nretry = -1\n", "scheduler.retry"),
        ('[scheduler]\ncancel_grace_s = "soon"\n', "scheduler.cancel_grace_s"),
        ('[executor]\nkind = "k8s"\n', "executor.kind"),
    ],
)
def test_bad_slot_settings_name_the_key(jobs, text, key):
    jobs.settings(text)
    with pytest.raises(ConfigError) as err:
        Scheduler(jobs.ws, inventory=lambda: [])
    assert key in str(err.value) and "fertui.toml" in str(err.value)
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "daemon", "start"])
    assert result.exit_code == 2 and key in result.output and len(result.output.splitlines()) == 1


def test_job_gets_run_dir_params_and_job_env(jobs):
    code = (
        "import os, json, fertui.report as r; p = json.loads(os.environ['FERTUI_PARAMS']); "
        "r.summary(lr=p['optim.lr'], extra=os.environ['EXTRA'], here=os.environ['FERTUI_RUN_DIR'])"
    )
    run_id = jobs.add(code, "optim.lr=0.003", 'job.env={EXTRA = "yes"}')
    serve_until_drained(jobs.ws)
    values = jobs.run(run_id)["summary"]["values"]
    assert values == {"lr": 0.003, "extra": "yes", "here": str(jobs.ws.run_dir(run_id))}
    assert json.loads((jobs.ws.run_dir(run_id) / "exit.json").read_text())["exit_code"] == 0


def test_cpu_slots_auto_is_one_per_core_and_shares_the_cores_out(jobs, monkeypatch):
    import fertui.scheduler.slots as slots

    monkeypatch.setattr(slots, "usable_cores", lambda: 4)
    assert [(s.name, s.threads) for s in slots.cpu_slots(jobs.ws)] == [(f"cpu{k}", 1) for k in range(4)]
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    assert [s.threads for s in slots.cpu_slots(jobs.ws)] == [2, 2]
    code = "import os, fertui.report as r; r.summary(omp=os.environ['OMP_NUM_THREADS'])"
    mine = jobs.add(code, 'job.env={OMP_NUM_THREADS = "3"}')  # the user's own choice is kept
    given = jobs.add(code)
    serve_until_drained(jobs.ws)
    assert jobs.run(mine)["summary"]["values"]["omp"] == "3"
    assert jobs.run(given)["summary"]["values"]["omp"] == str(max(1, slots.usable_cores() // 2))
