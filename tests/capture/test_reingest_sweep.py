"""``fertui reingest`` of a sweep's runs also fixes the runs the sweep queues next: its stored base
takes the capture settings once every run of it that ran reads with them, so ``suggest
--enqueue`` and tpe top-ups do not queue a run that reads fractions beside cells in percent.
"""

from __future__ import annotations

import json

import pytest

from fertui.scheduler.daemon import stop_daemon
from fertui.scheduler.reingest import carry_to_sweep
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.capture.test_fer_repos import cli, sweep
from tests.waiting import wait_for

SETS = ["--set", "job.output_scalars=hf", "--set", 'job.metrics_scale={"val/acc" = 100}']
CARRIED = 'job.output_scalars=hf, job.metrics_scale={"val/acc": 100}'


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 4\ncancel_grace_s = 3\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def ended(store: Store, run_id: str) -> dict | None:
    run = store.get_run(run_id)
    return run if run["status"] not in ("queued", "running") else None


@pytest.mark.slow
def test_a_reingested_sweep_queues_its_next_runs_with_the_new_settings(workspace):
    # HF Trainer output under a setting that reads none of it: both runs end `done (no val/acc)`.
    runs = sweep(workspace, "hfs", ["hf"], [0.05, 0.1], 'output_scalars = "progress-meter"\n')
    assert all(r["status"] == "done" and r["no_metric"] == "val/acc" for r in runs)
    store = Store(workspace / "runs" / "fertui.json")
    (alert,) = [a["message"] for a in store.alerts() if a["kind"] == "no_metric"]
    assert "see docs/capture.md" in alert and "fertui reingest hfs_hf_lr" in alert and "README" not in alert

    first, second = sorted(r["id"] for r in runs)
    out = cli(workspace, "reingest", first, *SETS)
    assert (
        f"sweep hfs: runs queued from now on read output as before: 1 of its runs read it otherwise ({second})" in out
    )
    assert store.get_sweep("hfs")["base"]["job"]["output_scalars"] == "progress-meter"  # the sweep still mixes both

    out = cli(workspace, "reingest", second, *SETS)  # every run that ran now reads alike: the sweep follows
    assert f"sweep hfs: runs queued from now on read output with {CARRIED}; set it in " in out, out
    job = store.get_sweep("hfs")["base"]["job"]
    assert job["output_scalars"] == "hf" and job["metrics_scale"] == {"val/acc": 100}
    assert "sweep hfs" not in cli(workspace, "reingest", second, *SETS)  # said once; the trial kept its value

    (queued,) = json.loads(cli(workspace, "suggest", "hfs", "-n", "1", "--enqueue", "--json"))["queued"]
    run = wait_for(lambda: ended(store, queued), 120, f"suggested run {queued} to end")
    assert run["status"] == "done" and not run.get("no_metric")
    assert run["summary"]["output_scalars"] == "hf" and run["summary"]["best"]["val/acc"] == pytest.approx(78)
    board = json.loads(cli(workspace, "board", "hfs", "--rows", "params.lr", "--format", "json"))
    assert board["best"]["runs"] == [queued] and board["best"]["mean"] == pytest.approx(78)
    assert [c["mean"] for c in board["cells"]] == [pytest.approx(v) for v in (68, 73, 78)]
    assert all(c["variant"] == {} for c in board["cells"]) and board["splits"] == []  # one experiment, one unit


@pytest.mark.slow
def test_reingest_names_an_auto_that_never_decided(workspace):
    from fertui.scheduler.daemon import ensure_daemon

    cli(workspace, "add", "--", "python", "-c", "print('hello')")
    ensure_daemon(open_workspace(workspace))
    store = Store(workspace / "runs" / "fertui.json")
    wait_for(lambda: ended(store, "00001"), 60, "run 00001 to end")
    out = cli(workspace, "reingest", "00001")
    assert "read with auto (undecided)" in out and "sweep" not in out
    out = cli(workspace, "reingest", "00001", "--set", "job.output_scalars=[]")
    assert "read with off" in out


def sweep_store(tmp_path) -> Store:
    """A sweep over params.lr whose runs read with progress-meter: one ran (re-read with dan since),
    one is queued, one was cancelled before it started."""
    store = Store(tmp_path / "runs" / "fertui.json")
    base = {"job": {"command": ["python", "train.py"], "output_scalars": "progress-meter"}}
    store.put_sweep(
        {"name": "s", "axes": [{"key": "params.lr", "values": [0.1, 0.2]}], "base": base, "source": "s.toml"}
    )
    docs = [{"sweep": "s", "kind": "command", "config": base} for _ in range(3)]
    ran, _, cancelled = store.add_runs(docs)
    store.update_run(ran, status="done", started=1.0, config={"job": {**base["job"], "output_scalars": "dan"}})
    store.update_run(cancelled, status="cancelled")
    return store


def test_carrying_to_a_sweep_names_its_queued_runs_and_skips_an_axis(tmp_path):
    store = sweep_store(tmp_path)
    assert carry_to_sweep(store, "s", [("params.lr", 0.3)]) is None  # an axis's value is its cell's
    line = carry_to_sweep(store, "s", [("job.output_scalars", "dan")])
    assert line == (
        "sweep s: runs queued from now on read output with job.output_scalars=dan (1 already queued keep the "
        "old setting: re-read them once they end); set it in s.toml too before adding that file again"
    )
    assert store.get_sweep("s")["base"]["job"]["output_scalars"] == "dan"
    assert carry_to_sweep(store, "s", [("job.output_scalars", "dan")]) is None  # the base has it already


def test_a_setting_that_some_runs_lack_leaves_the_sweep_as_it_was(tmp_path):
    store = sweep_store(tmp_path)
    line = carry_to_sweep(store, "s", [("job.metrics_scale", {"val/acc": 100})])
    assert line is not None and "read output as before: 1 of its runs read it otherwise (00001)" in line
    assert "metrics_scale" not in store.get_sweep("s")["base"]["job"]
