"""Typed run records: a metric's best is kept in its direction (the sweep's objective travels
with the run; ``[job] metrics_direction`` for the others), and every reader sees that best."""

from __future__ import annotations

import json

from fertui.metrics import Direction
from fertui.presentation import objective_name as console_objective
from fertui.records import EventKind, RunRecord, RunSummary, event_kind
from fertui.run_summary import best_entry, best_text
from fertui.scheduler.ingest import RunIngest

MINIMIZE_RUN = {
    "id": "00001",
    "sweep": "Err",
    "objective": {"metric": "val/err", "direction": "minimize"},
    "config": {"job": {"metrics_direction": {"val/score": "minimize"}}},
}


def write_events(folder, *events):
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))


def test_a_minimized_objective_keeps_its_minimum_in_every_reader(tmp_path):
    write_events(
        tmp_path,
        *(
            {"type": "log", "step": i, "epoch": i, "metrics": {"val/err": v, "val/score": v}}
            for i, v in enumerate([0.5, 0.2, 0.3], start=1)
        ),
    )
    ingest = RunIngest(MINIMIZE_RUN, tmp_path)
    happenings, _ = ingest.read()
    assert [h.value for h in happenings] == [0.5, 0.2, 0.3]  # per-epoch values for the pruner, as logged
    summary = ingest.summary
    assert summary["best"] == {"val/err": 0.2, "val/score": 0.2} and summary["last"]["val/err"] == 0.3
    run = {**MINIMIZE_RUN, "status": "done", "summary": summary}
    assert best_entry(run) == ("val/err", 0.2) and best_text(run) == "val/err=0.2"
    assert console_objective(run) == "val/err"  # the console's best column reads this metric


def test_a_metric_without_a_rule_or_override_is_maximized_and_a_cost_name_minimized(tmp_path):
    write_events(
        tmp_path,
        {"type": "start", "objective": "val/f1", "direction": "maximize"},
        *(
            {"type": "log", "step": i, "metrics": {"val/f1": v, "val/nll": v, "train/acc": v}}
            for i, v in enumerate([0.5, 0.2, 0.3])
        ),
    )
    ingest = RunIngest({"id": "00002"}, tmp_path)
    ingest.read()
    assert ingest.summary["best"] == {"val/f1": 0.5, "val/nll": 0.2, "train/acc": 0.5}
    assert ingest.direction_of("val/nll") is Direction.MINIMIZE
    assert best_entry({"id": "00002", "summary": ingest.summary}) == ("val/f1", 0.5)


def test_a_run_of_a_sweep_stored_before_runs_carried_their_objective_takes_the_sweeps(tmp_path):
    write_events(
        tmp_path, *({"type": "log", "step": i, "metrics": {"val/top1_gap": v}} for i, v in enumerate([3, 1, 2]))
    )
    ingest = RunIngest({"id": "00003", "objective_hint": "val/top1_gap"}, tmp_path)
    ingest.judge_by_sweep({"objective": "val/top1_gap", "direction": "minimize"})
    ingest.read()
    assert ingest.summary["best"] == {"val/top1_gap": 1}


def test_records_round_trip_the_store_documents_they_do_not_know_fully():
    doc = {
        "id": "00004",
        "name": "n",
        "status": "done",
        "kind": "command",
        "sweep": None,
        "params": {},
        "config": {},
        "summary": {"last": {"a": 1}, "best": {"a": 1}, "epoch": 2, "img_per_s": 3.5},
        "objective": {"metric": "a", "direction": "minimize"},
        "pid": 42,
        "created": 1.0,
    }
    assert RunRecord.from_dict(doc).to_dict() == doc
    summary = RunSummary.from_dict(doc["summary"])
    assert summary.epoch == 2 and summary.extra == {"img_per_s": 3.5}
    assert event_kind({"type": "log"}) is EventKind.LOG and event_kind({"type": "someday"}) is None


def test_a_direction_the_job_words_its_own_way_falls_back_to_the_name_rule(tmp_path):
    write_events(
        tmp_path,
        {"type": "start", "objective": "val/err", "direction": "down"},
        *({"type": "log", "step": i, "metrics": {"val/err": v}} for i, v in enumerate([0.5, 0.2, 0.3])),
    )
    ingest = RunIngest({"id": "00005"}, tmp_path)
    ingest.read()
    assert ingest.summary["best"] == {"val/err": 0.2}
