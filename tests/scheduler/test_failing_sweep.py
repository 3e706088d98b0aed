"""A sweep whose runs fail with the same error line holds the rest of its queue after K runs:
one alert, `fertui queue resume SWEEP` releases them, other work goes on meanwhile."""

from __future__ import annotations

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.config import load_config
from fertui.plan import enqueue, plan_runs
from fertui.scheduler.core import Scheduler
from fertui.scheduler.failstop import failure_line, same_failures
from tests.foundation.test_bad_input import assert_one_line_error

BROKEN = """[run]
name = "broken_lr{{optim.lr}}"
[job]
command = ["python", "-c", "{code}"]
[sweep]
name = "Broken"
[sweep.axes]
"optim.lr" = [1e-5, 2e-5, 3e-5, 4e-5, 5e-5, 6e-5, 7e-5]
"""


def add_sweep(jobs, code: str) -> list[str]:
    path = jobs.root / "broken.toml"
    path.write_text(BROKEN.format(code=code))
    return enqueue(jobs.ws, plan_runs(load_config(path), jobs.ws))


def drain_here(jobs) -> None:
    Scheduler(jobs.ws).serve(
        until=lambda s: not s.tracked and not any(r["status"] == "queued" for r in s.runs.values())
    )


def test_a_sweep_failing_the_same_way_is_held_after_k_runs_and_resumes(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\nstop_after_same_failures = 2\n")
    ids = add_sweep(jobs, "import sys; sys.exit('ImportError: no module named trian')")
    other = jobs.add("pass")
    drain_here(jobs)
    states = [jobs.status(i) for i in ids]
    assert states == ["failed", "failed"] + ["held"] * 5
    assert jobs.status(other) == "done"  # the rest of the queue went on
    alerts = [a for a in jobs.store.alerts() if a["kind"] == "sweep_held"]
    assert len(alerts) == 1 and alerts[0]["sweep"] == "Broken"
    assert "ImportError: no module named trian" in alerts[0]["message"]
    assert "fertui queue resume Broken" in alerts[0]["message"]
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "queue", "resume", "Broken"])
    assert result.exit_code == 0 and "sweep Broken: 5 held runs queued again" in result.output
    drain_here(jobs)  # still broken: two more fail, then the rest is held again
    assert [jobs.status(i) for i in ids] == ["failed"] * 4 + ["held"] * 3
    assert len([a for a in jobs.store.alerts() if a["kind"] == "sweep_held"]) == 2


def test_different_errors_or_a_success_do_not_hold(jobs):
    ids = add_sweep(jobs, "import sys; sys.exit('ValueError: bad lr {optim.lr}')")
    drain_here(jobs)
    assert {jobs.status(i) for i in ids} == {"failed"}, [
        jobs.run(i).get("error") for i in ids
    ]  # each error line differs
    runs = [
        {"status": "failed", "ended": 1, "error": "exit code 1\nValueError: x"},
        {"status": "done", "ended": 2},
        {"status": "failed", "ended": 3, "error": "exit code 1\nValueError: x"},
    ]
    assert same_failures(runs, 2) is None and same_failures(runs[:1] * 2, 2) == "ValueError: x"
    assert same_failures(runs[:1] * 2, 0) is None
    assert failure_line({"status": "oom", "error": ""}) == "oom"


def test_cancel_takes_held_runs_and_a_bad_setting_is_one_line(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\nstop_after_same_failures = 1\n")
    ids = add_sweep(jobs, "raise SystemExit('boom')")
    drain_here(jobs)
    assert [jobs.status(i) for i in ids].count("held") == 6
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "cancel", "--sweep", "Broken", "--yes"])
    assert result.exit_code == 0 and result.output.splitlines()[0].startswith("cancel: 6 runs match: 6 held")
    assert [jobs.status(i) for i in ids].count("cancelled") == 6
    before = (jobs.root / "runs" / "fertui.json").read_bytes()
    for value in ("-1", "2.5", "true"):
        jobs.settings(f"[scheduler]\nstop_after_same_failures = {value}\n")
        bad = CliRunner().invoke(app, ["--workspace", str(jobs.root), "add", "--", "true"])
        assert_one_line_error(bad, "scheduler.stop_after_same_failures: expected an integer >= 0")
    assert (jobs.root / "runs" / "fertui.json").read_bytes() == before
    jobs.settings("")  # the fixture's teardown reads the settings too
