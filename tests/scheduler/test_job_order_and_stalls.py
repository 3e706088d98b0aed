"""Job order (--after), held dependants, stalled runs and the wall-clock timeout, with real jobs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.core import Scheduler


def _cli(jobs, *args):
    return CliRunner().invoke(app, ["--workspace", str(jobs.root), *args])


def _drain(jobs) -> None:
    Scheduler(jobs.ws).serve(until=lambda s: not s.tracked and all(r["status"] != "queued" for r in s.runs.values()))


def _add_after(jobs, code: str, *after: str) -> str:
    args = ["add"] + [a for ref in after for a in ("--after", ref)] + ["--", "python", "-c", code]
    result = _cli(jobs, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.split()[0]  # "00003  python"; stderr may say no scheduler runs


def test_a_run_waits_for_its_dependency_and_a_failed_one_holds_it_with_the_reason(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 2\n")
    first = jobs.add("import time; time.sleep(1.5)")
    failing = jobs.add("import sys; sys.exit(1)")
    waiting = _add_after(jobs, "pass", first)
    held = _add_after(jobs, "pass", failing, first)
    assert "after" in jobs.run(waiting)["config"]["run"] and jobs.run(waiting)["after_runs"] == [first]
    _drain(jobs)
    a, b = jobs.run(first), jobs.run(waiting)
    assert b["status"] == "done" and b["started"] >= a["ended"]  # two free slots, yet it waited
    h = jobs.run(held)
    assert h["status"] == "held" and h["waiting"] == f"after {failing}, which ended failed"
    listed = _cli(jobs, "ls").output  # the reason where a run's progress would be
    assert f"after {failing}, which ended failed" in listed
    assert any(x["kind"] == "dependency_failed" and x["run"] == held for x in jobs.store.alerts())


def test_after_an_unknown_run_or_sweep_queues_nothing(jobs):
    result = _cli(jobs, "add", "--after", "no-such-thing", "--", "python", "-c", "pass")
    assert result.exit_code == 2 and "'no-such-thing' is neither a run (id or name) nor a sweep" in result.output
    assert jobs.store.runs() == []


@pytest.mark.slow
def test_a_silent_job_raises_one_stalled_alert_while_running_and_timeout_stops_a_job(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 2\ncancel_grace_s = 2\n")
    silent = jobs.add(
        "import time; print('started', flush=True); time.sleep(60)", 'job.stall_after="2s"', 'job.timeout="8s"'
    )
    ticking = jobs.add(
        "import time\nfor i in range(6):\n    print(i, flush=True); time.sleep(0.5)", 'job.stall_after="2s"'
    )
    _drain(jobs)
    alerts = [a for a in jobs.store.alerts() if a["kind"] == "stalled"]
    assert [a["run"] for a in alerts] == [silent]  # one alert, and none for the job that kept printing
    run = jobs.run(silent)
    assert run["status"] == "failed" and "went past its [job] timeout" in run["error"]
    assert run["ended"] - run["started"] < 30
    # not before stall_after had passed in silence, and while the job still ran (not at its end)
    assert run["started"] + 2 <= alerts[0]["time"] < run["ended"]
    assert jobs.status(ticking) == "done"


def test_bad_durations_name_the_key(jobs):
    result = _cli(jobs, "add", "--set", "job.timeout=soon", "--", "python", "-c", "pass")
    assert result.exit_code == 2 and "job.timeout" in result.output and '"2h"' in result.output


def test_a_disk_below_the_warning_level_raises_one_disk_low_alert(jobs):
    jobs.settings("[scheduler]\ndisk_warn_gb = 1000000\n")  # more than any disk has free
    scheduler = Scheduler(jobs.ws)
    scheduler.tick()
    scheduler._disk_checked = -1e9  # the next tick looks again at once
    scheduler.tick()
    assert [a["kind"] for a in jobs.store.alerts()] == ["disk_low"]
    assert "fertui clean" in jobs.store.alerts()[0]["message"]
