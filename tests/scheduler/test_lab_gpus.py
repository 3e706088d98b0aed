"""A shared lab GPU server, with a fake ``pynvml`` on the path (tests/fake_nvml): a colleague's
busy GPU is left alone and `ls` says why a run waits, two workspaces never double-book a GPU,
`job.gpus = 2` gets two neighbours, and small jobs share a GPU by declared memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.core import Scheduler
from fertui.scheduler.daemon import daemon_status, ensure_daemon
from fertui.scheduler.gpu_claims import GpuClaims, claim_holders, claim_key
from fertui.scheduler.local import group_alive
from fertui.scheduler.nvml import GpuInfo, GpuProcess
from fertui.scheduler.placement import Etiquette, GpuNeed, Placer, Waiting, need_of
from fertui.tui.rows import run_cells
from tests.scheduler.conftest import JobWorkspace
from tests.scheduler.test_queue_order import drained
from tests.waiting import wait_for

FAKE_NVML = Path(__file__).resolve().parent.parent / "fake_nvml"
# The job says which GPUs it saw and when it really ran (the store's times are the scheduler's).
REPORT_GPUS = (
    "import os, time, fertui.report as r; t0 = time.time(); time.sleep({s}); "
    "r.summary(cvd=os.environ['CUDA_VISIBLE_DEVICES'], t0=t0, t1=time.time())"
)


def gpu(index: int, used_mb: int = 0, util: int = 0, pids: tuple[int, ...] = (), total_mb: int = 81920) -> dict:
    return {
        "name": "H100",
        "uuid": f"GPU-fake-{index}",
        "total_mb": total_mb,
        "used_mb": used_mb,
        "util": util,
        "processes": [{"pid": p, "used_mb": used_mb} for p in pids],
    }


@pytest.fixture
def nvml(tmp_path, monkeypatch):
    """Writes the fake GPUs' state; puts the fake pynvml first on the path, here and for daemons."""
    state = tmp_path / "nvml.json"

    def write(*gpus: dict) -> None:
        tmp = state.with_suffix(".tmp")
        tmp.write_text(json.dumps({"gpus": list(gpus)}))
        os.replace(tmp, state)

    monkeypatch.setenv("FAKE_NVML_STATE", str(state))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(FAKE_NVML), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.syspath_prepend(str(FAKE_NVML))
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    return write


@pytest.fixture
def colleague():
    """A process of someone else's on a GPU (this user's, outside any fertui job)."""
    proc = subprocess.Popen(["sleep", "300"])
    yield proc.pid
    proc.kill()
    proc.wait()


def values(jobs: JobWorkspace, run_id: str) -> dict:
    return jobs.run(run_id)["summary"]["values"]


def test_busy_gpu_of_another_user_is_skipped_and_ls_says_why_a_run_waits(jobs, nvml, colleague):
    nvml(gpu(0, used_mb=70000, util=100, pids=(colleague,)), gpu(1))
    other_workspace = GpuClaims()  # another fertui workspace holds GPU 1
    assert other_workspace.hold(claim_key("GPU-fake-1", 1))
    run_id = jobs.add(REPORT_GPUS.format(s=0))
    scheduler = Scheduler(jobs.ws)
    scheduler.tick()
    scheduler._flush(force=True)
    assert jobs.status(run_id) == "queued"
    listing = CliRunner().invoke(app, ["--workspace", str(jobs.root), "ls"], env={"COLUMNS": "300"}).output
    user = subprocess.run(["id", "-un"], check=True, capture_output=True, text=True).stdout.strip()
    assert f"waiting: gpu0 used by pid {colleague} ({user}), gpu1 by another fertui workspace" in listing
    # At 80 columns the progress column gives way; the reason goes under the table instead.
    narrow = CliRunner().invoke(app, ["--workspace", str(jobs.root), "ls"], env={"COLUMNS": "80"}).output
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert f"{run_id} waiting: gpu0 used by pid {colleague} ({user}), gpu1 by another fertui workspace" in " ".join(
        narrow.split()
    )
    other_workspace.close()  # the colleague's job ended: GPU 1 is free, GPU 0 still is not
    scheduler.serve(until=drained)
    assert values(jobs, run_id)["cvd"] == "1" and jobs.run(run_id)["waiting"] is None


def test_placer_reasons_memory_and_load_and_contiguous_gpus():
    rules = Etiquette(jobs_per_gpu=1, busy_memory_mb=1024, busy_utilization=10)
    gpus = [
        GpuInfo(0, "a", 81920, 81920 - 2048),
        GpuInfo(1, "b", 81920, 81920, utilization=55),
        GpuInfo(2, "c", 81920, 81920),
        GpuInfo(3, "d", 81920, 81920),
        GpuInfo(4, "e", 81920, 81920),
    ]
    placer = Placer(gpus, [], set(), rules, hold=lambda g: True)
    assert placer.place(GpuNeed(count=2)).gpus == (2, 3)
    waiting = placer.place(GpuNeed(count=2))
    assert isinstance(waiting, Waiting) and not waiting.never
    assert waiting.reason.startswith(
        "gpu0 busy (2048 MB used by a process NVML cannot name), "
        "gpu1 busy (55 % utilisation), gpu2 full (1 run of this workspace)"
    )
    assert placer.place(GpuNeed()).gpus == (4,)
    assert placer.place(GpuNeed(count=6)).never
    mine = Placer(
        [GpuInfo(0, "a", 81920, 81920, processes=(GpuProcess(os.getpid()),))],
        [],
        {os.getpgid(0)},
        rules,
        hold=lambda g: True,
    )
    assert mine.place(GpuNeed()).gpus == (0,)  # our own job's process is no reason to wait


def test_job_gpus_2_gets_two_neighbouring_gpus(jobs, nvml, colleague):
    nvml(gpu(0, pids=(colleague,)), gpu(1), gpu(2), gpu(3))
    pair = jobs.add(REPORT_GPUS.format(s=0.5), "job.gpus=2")
    single = jobs.add(REPORT_GPUS.format(s=0.5))
    scheduler = Scheduler(jobs.ws)
    scheduler.serve(until=drained)
    assert values(jobs, pair)["cvd"] == "1,2" and jobs.run(pair)["slot"] == "gpu1,2"
    assert values(jobs, single)["cvd"] == "3"


def test_small_jobs_share_a_gpu_by_declared_memory_a_third_waits(jobs, nvml):
    nvml(gpu(0))
    ids = [jobs.add(REPORT_GPUS.format(s=1.5), "job.gpu_memory_mb=30000") for _ in range(3)]
    Scheduler(jobs.ws).serve(until=drained)
    runs = [values(jobs, i) for i in ids]
    assert all(v["cvd"] == "0" for v in runs)
    assert peak_overlap([(v["t0"], v["t1"]) for v in runs]) == 2  # 2 x 30 GB fit in 80 GB, 3 do not
    assert {jobs.run(i)["slot"] for i in ids} <= {"gpu0", "gpu0.1"}


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(t0, 1) for t0, _ in intervals] + [(t1, -1) for _, t1 in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


@pytest.mark.slow
def test_two_workspaces_with_their_own_daemons_never_share_a_gpu(tmp_path, nvml):
    nvml(gpu(0), gpu(1))
    spaces = [JobWorkspace(tmp_path / name) for name in ("alice", "bob")]
    ids = {}
    try:
        for space in spaces:
            space.root.mkdir()
            ids[space] = [space.add(REPORT_GPUS.format(s=0.6)) for _ in range(3)]
        for space in spaces:
            ensure_daemon(space.ws)
        for space in spaces:
            space.wait_all_final(timeout=120)
    finally:
        for space in spaces:
            CliRunner().invoke(app, ["--workspace", str(space.root), "daemon", "stop"])
    ran = [values(space, i) for space in spaces for i in ids[space]]
    assert all(jobs_ran["cvd"] in ("0", "1") for jobs_ran in ran)
    for index in ("0", "1"):
        assert peak_overlap([(v["t0"], v["t1"]) for v in ran if v["cvd"] == index]) <= 1


def test_memory_from_a_saved_benchmark_row_when_the_config_declares_none():
    run = {
        "kind": "train",
        "config": {"model": {"name": "clsfer_ir50", "input_size": 112}, "data": {"batch_size": 256}, "job": {}},
    }
    rows = [
        {
            "model": "clsfer_ir50",
            "mode": "train",
            "device": "cuda:0",
            "batch_size": 256,
            "input_size": 112,
            "memory_mb": 20000.0,
        },
        {
            "model": "clsfer_ir50",
            "mode": "train",
            "device": "cuda:0",
            "batch_size": 128,
            "input_size": 112,
            "memory_mb": 9000.0,
        },
    ]
    assert need_of(run, rows) == GpuNeed(1, 23024)  # 20,000 MB peak + 10 % + the CUDA context
    assert need_of({**run, "kind": "command"}, rows).memory_mb == 0
    declared = {**run, "config": {**run["config"], "job": {"gpu_memory_mb": 5000}}}
    assert need_of(declared, rows).memory_mb == 5000
    placer = Placer([GpuInfo(0, "a", 40000, 40000)], [], set(), Etiquette(), hold=lambda g: True)
    assert placer.place(need_of(run, rows)).memory_mb == 23024
    assert isinstance(placer.place(need_of(run, rows)), Waiting)  # a second one does not fit in 40 GB


def test_a_claim_lives_while_a_job_holding_it_lives_and_dies_with_it(tmp_path):
    folder = tmp_path / "claims"
    scheduler, other = GpuClaims(folder), GpuClaims(folder)
    key = claim_key("GPU-fake-0", 0)
    assert scheduler.hold(key) and not other.hold(key)
    job = subprocess.Popen(["sleep", "300"], pass_fds=scheduler.fds([key]))
    try:
        scheduler.let_go(key)  # the scheduler died or moved on: its job still holds the GPU
        assert not other.hold(key)
        job.kill()
        job.wait()
        assert other.hold(key)  # kill -9 of the last holder frees it; nothing to clean up
    finally:
        job.kill()
    assert folder.stat().st_mode & 0o7777 == 0o1777  # like /tmp: nobody removes another's lock file


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="the kernel's lock table is Linux's")
def test_who_holds_a_claim_is_read_without_touching_the_lock(tmp_path):
    folder = tmp_path / "claims"
    ours, other = GpuClaims(folder), GpuClaims(folder)
    key, idle = claim_key("GPU-fake-0", 0), claim_key("GPU-fake-1", 1)
    assert claim_holders(folder) == {}  # no folder yet: nothing claimed
    assert ours.hold(key) and other.hold(idle)
    other.let_go(idle)
    for _ in range(3):  # reading often never lets another workspace in
        assert claim_holders(folder) == {key: os.getpid()}
        assert not GpuClaims(folder).hold(key)
    ours.let_go(key)
    assert claim_holders(folder) == {}


def test_the_console_run_table_says_why_a_queued_run_waits():
    run = {"id": "00007", "name": "tiny", "status": "queued", "waiting": "gpu0 used by pid 4242 (alice)"}
    assert run_cells(run)["progress"] == "waiting: gpu0 used by pid 4242 (alice)"
    assert run_cells({**run, "status": "running"})["progress"] == ""  # a started run's stale reason is not shown


def test_a_gpu_missing_from_nvml_for_a_moment_makes_runs_wait_not_fail():
    two = [GpuInfo(0, "a", 81920, 81920), GpuInfo(1, "b", 81920, 81920)]
    blip = Placer(two[:1], [], set(), Etiquette(), hold=lambda g: True, machine_gpus=2)
    waiting = blip.place(GpuNeed(count=2))
    assert isinstance(waiting, Waiting) and not waiting.never and "1 of the 2 GPUs" in waiting.reason
    assert Placer([], [], set(), Etiquette(), hold=lambda g: True, machine_gpus=2).place(GpuNeed()).never is False
    assert Placer(two, [], set(), Etiquette(), hold=lambda g: True, machine_gpus=2).place(GpuNeed(count=3)).never


def test_a_run_that_can_never_fit_fails_at_once_and_does_not_block_the_queue(jobs, nvml):
    nvml(gpu(0), gpu(1))
    too_big, after = jobs.add(REPORT_GPUS.format(s=0), "job.gpus=3"), jobs.add(REPORT_GPUS.format(s=0))
    Scheduler(jobs.ws).serve(until=drained)
    failed = jobs.run(too_big)
    assert failed["status"] == "failed" and failed["error"] == "cannot start: needs 3 GPUs; this machine offers 2"
    assert jobs.status(after) == "done"
    assert [a["kind"] for a in jobs.store.alerts()] == ["failed"]


@pytest.mark.slow
def test_a_killed_daemons_job_keeps_its_gpu_from_another_workspace(tmp_path, nvml):
    nvml(gpu(0))
    alice, bob = JobWorkspace(tmp_path / "alice"), JobWorkspace(tmp_path / "bob")
    for space in (alice, bob):
        space.root.mkdir()
    first = alice.add(REPORT_GPUS.format(s=4))
    daemon = ensure_daemon(alice.ws)
    job = alice.wait_status(first, "running")["pid"]
    try:
        os.kill(daemon, signal.SIGKILL)  # alice's daemon dies; her job runs on, holding GPU 0's claim
        wait_for(lambda: daemon_status(alice.ws) is None, what="alice's daemon to die")
        second = bob.add(REPORT_GPUS.format(s=0))
        scheduler = Scheduler(bob.ws)
        scheduler.tick()
        scheduler._flush(force=True)
        assert bob.status(second) == "queued" and bob.run(second)["waiting"] == "gpu0 by another fertui workspace"
        scheduler.serve(until=drained)  # starts once alice's job has ended
        ran = [
            json.loads((alice.ws.run_dir(first) / "events.jsonl").read_text().splitlines()[-1])["values"],
            values(bob, second),
        ]
        assert ran[1]["t0"] >= ran[0]["t1"] and not group_alive(job)
    finally:
        if group_alive(job):
            os.killpg(job, signal.SIGKILL)


def test_a_job_whose_gpu_stays_at_zero_utilisation_raises_one_stalled_alert(jobs, nvml):
    nvml(gpu(0, util=0))  # the job prints a heartbeat, but its GPU does nothing
    heartbeat = "import time\nfor i in range(12):\n    print('waiting for data', i, flush=True); time.sleep(0.5)"
    run_id = jobs.add(heartbeat, 'job.stall_after="2s"')
    Scheduler(jobs.ws).serve(until=drained)
    alerts = [a for a in jobs.store.alerts() if a["kind"] == "stalled"]
    assert [a["run"] for a in alerts] == [run_id] and "gpu0 at 0 % utilisation" in alerts[0]["message"]
    assert jobs.status(run_id) == "done"  # an alert, not a stop
