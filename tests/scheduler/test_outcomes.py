"""How runs end: NaN stop, failures, OOM, unreadable events, sweep hooks; real job subprocesses."""

from __future__ import annotations

import time
import types

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.core import Scheduler
from fertui.scheduler.hooks import SweepHooks
from fertui.scheduler.ingest import RunIngest

NAN_JOB = (
    "import fertui.report as r, time\n"
    "for i in range(10): r.log({'train/loss': 1.0 / (i + 1)}, step=i)\n"
    "r.log({'train/loss': float('nan')}, step=10)\n"
    "r.log({'train/loss': float('nan')}, step=11)\n"
    "time.sleep(120)"
)


def test_nan_loss_stops_the_job_marks_nan_with_step_and_next_job_starts(jobs):
    jobs.settings("[scheduler]\ncpu_slots = 1\ncancel_grace_s = 5\n")
    bad = jobs.add(NAN_JOB)
    good = jobs.add("import fertui.report as r; r.log({'train/loss': 0.5}, step=0)")
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "run"])
    assert result.exit_code == 1, result.output
    run = jobs.run(bad)
    assert run["status"] == "nan" and run["summary"]["nan_step"] == 10
    assert run["summary"]["best"]["train/loss"] == 0.1
    assert jobs.status(good) == "done"
    assert [a["kind"] for a in jobs.store.alerts() if a["run"] == bad] == ["nan"]
    assert "nan" in result.output and "summary" in result.output


def test_failure_keeps_log_tail_and_alerts_oom_by_exit_code_and_by_log(jobs):
    failed = jobs.add("import sys; print('loading data'); print('ValueError: bad shape', file=sys.stderr); sys.exit(7)")
    oom_code = jobs.add("import fertui.report as r, sys; r.log({'train/loss': 1.0}, step=0); sys.exit(r.EXIT_OOM)")
    plain_three = jobs.add("import sys; sys.exit(3)")  # any program may exit 3: no NaN without fertui's word
    oom_text = jobs.add("raise MemoryError('CUDA out of memory. Tried to allocate 2.00 GiB')")
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "run"])
    assert result.exit_code == 1
    run = jobs.run(failed)
    assert run["status"] == "failed" and run["exit_code"] == 7
    assert "ValueError: bad shape" in run["error"] and "loading data" in run["error"]
    assert jobs.status(oom_code) == "oom" and jobs.status(oom_text) == "oom"
    assert jobs.status(plain_three) == "failed" and "exit code 3" in jobs.run(plain_three)["error"]
    kinds = sorted(a["kind"] for a in jobs.store.alerts())
    assert kinds == ["failed", "failed", "oom", "oom"]
    assert "ValueError: bad shape" in result.output


def test_unreadable_events_line_is_skipped_and_logged(jobs):
    code = (
        "import os, fertui.report as r\n"
        "r.log({'train/loss': 2.0}, step=1)\n"
        "open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'events.jsonl'), 'a').write('{not json\\n')\n"
        "r.log({'train/loss': 1.0}, step=2)"
    )
    run_id = jobs.add(code)
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "run"])
    assert result.exit_code == 0, result.output
    summary = jobs.run(run_id)["summary"]
    assert summary["step"] == 2 and summary["last"]["train/loss"] == 1.0 and summary["bad_event_lines"] == 1
    assert "unreadable line" in (jobs.root / "runs" / "daemon.log").read_text()


def test_sweep_hooks_prune_and_finish_and_a_failing_hook_does_not_stop_scheduling(jobs):
    code = (
        "import fertui.report as r, time\n"
        "r.start(epochs=5, objective='val/acc')\n"
        "for e in range(1, 6):\n"
        "    r.log({'val/acc': 10.0 * e}, step=e * 10, epoch=e)\n"
        "    time.sleep(0.3)\n"
        "time.sleep(60)"
    )
    pruned = jobs.add(code)
    crashing = jobs.add("import fertui.report as r; r.log({'val/acc': 1.0}, step=1, epoch=1)")
    plain = jobs.add("pass")
    for run_id in (pruned, crashing):
        jobs.store.update_run(run_id, sweep="demo")
    calls = []

    def report_epoch(ws, run, epoch, value):
        calls.append(("epoch", run["id"], epoch, value))
        if run["id"] == crashing:
            raise RuntimeError("hook bug")
        return epoch >= 2

    def run_finished(ws, run):
        calls.append(("finished", run["id"], run["status"]))

    scheduler = Scheduler(jobs.ws)
    lifecycle = types.SimpleNamespace(reconcile=lambda ws: None, report_epoch=report_epoch, run_finished=run_finished)
    scheduler.hooks = SweepHooks(jobs.ws, load=lambda: lifecycle)
    scheduler.serve(until=lambda s: not s.tracked and all(r["status"] != "queued" for r in s.runs.values()))
    run = jobs.run(pruned)
    assert run["status"] == "pruned" and run["summary"]["pruned_epoch"] == 2
    assert ("epoch", pruned, 1, 10.0) in calls and ("epoch", pruned, 2, 20.0) in calls
    assert ("finished", pruned, "pruned") in calls and ("finished", crashing, "done") in calls
    assert jobs.status(plain) == "done"
    assert "hook bug" in (jobs.root / "runs" / "daemon.log").read_text()


def test_ingest_summary_best_eta_and_partial_line(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type":"start","epochs":2,"steps_per_epoch":10}\n'
        '{"type":"log","step":5,"metrics":{"train/loss":0.5,"perf/img_per_s":300.0}}\n'
        '{"type":"log","step":10,"epoch":1,"metrics":{"val/acc":60.0,"val/loss":0.9}}\n'
        '{"type":"log","step":12,"metrics":{"train/lo'
    )
    ingest = RunIngest({"id": "00001", "started": time.time() - 100}, tmp_path)
    happenings, changed = ingest.read()
    s = ingest.summary
    assert changed and [h.kind for h in happenings] == ["epoch"] and happenings[0].value == 60.0
    assert s["step"] == 10 and s["epoch"] == 1 and s["img_per_s"] == 300.0 and s["progress"] == 0.5
    assert s["eta_s"] > 0 and s["best"] == {
        "train/loss": 0.5,
        "perf/img_per_s": 300.0,
        "val/acc": 60.0,
        "val/loss": 0.9,
    }
    with open(events, "a") as fh:
        fh.write('ss":0.25}}\n{"type":"log","step":13,"metrics":{"train/loss":0.75,"val/loss":1.2}}\n')
    ingest.read()
    s = ingest.summary
    assert s["step"] == 13 and s["best"]["train/loss"] == 0.25 and s["best"]["val/loss"] == 0.9
    assert s["last"]["train/loss"] == 0.75 and ingest.tail.bad_lines == 0


def test_hostile_event_lines_cost_only_themselves_and_a_nan_among_them_still_stops_the_run(jobs):
    code = (
        "import os, time, fertui.report as r\n"
        "r.log({'train/loss': 2.0}, step=1)\n"
        "with open(os.path.join(os.environ['FERTUI_RUN_DIR'], 'events.jsonl'), 'a') as fh:\n"
        "    fh.write('{\"type\": \"log\", \"step\": ' + '9' * 4301 + '}\\n')\n"  # int too long to parse
        "    fh.write('[' * 100000 + ']' * 100000 + '\\n')\n"  # nesting past recursion
        '    fh.write(\'{"type": "log", "pad": "\' + \'x\' * (2 << 20) + \'"}\\n\')\n'  # over the size cap
        "r.nan(step=2, metric='train/loss')\n"
        "r.log({'train/loss': 1.0}, step=3)\n"
        "time.sleep(30)\n"
    )
    run_id = jobs.add(code)
    result = CliRunner().invoke(app, ["--workspace", str(jobs.root), "run"])
    run = jobs.run(run_id)
    assert run["status"] == "nan", (result.output, run)
    assert run["summary"]["bad_event_lines"] == 3 and run["summary"]["nan_step"] == 2
    assert run["ended"] - run["started"] < 20  # stopped by the NaN, not by the end of its sleep


def test_bench_rows_reported_as_events_become_store_rows_once(jobs):
    code = (
        "import fertui.report as r\n"
        "for n, bs in enumerate((1, 2), start=1):\n"
        "    r.event('bench_row', row=n, model='m', mode='infer', batch_size=bs, img_per_s=10.0 * bs)"
    )
    run_id = jobs.add(code)
    Scheduler(jobs.ws).serve(until=lambda s: not s.tracked and all(r["status"] != "queued" for r in s.runs.values()))
    assert jobs.status(run_id) == "done"
    rows = jobs.store.benchmarks()
    assert [(r["run"], r["row"], r["batch_size"], r["img_per_s"]) for r in rows] == [
        (run_id, 1, 1, 10.0),
        (run_id, 2, 2, 20.0),
    ]
    jobs.store.add_benchmark({"run": run_id, "row": 2, "model": "m"})  # a daemon replaying the events
    assert len(jobs.store.benchmarks()) == 2
