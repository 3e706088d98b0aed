"""The benchmark: the CLI with --json, an unknown model, and an OOM that stops a model cleanly."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.job_metrics import BUILT_IN_JOBS
from fertui.store import Store

from .trainjob import events, run_job, stdout_of


def test_cli_bench_json_on_cpu(tmp_path):
    result = CliRunner().invoke(
        app, ["--workspace", str(tmp_path), "bench", "clsfer_tiny", "--device", "cpu", "--batch-sizes", "1,2", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["mode"], r["batch_size"]) for r in rows] == [("train", 1), ("train", 2), ("infer", 1), ("infer", 2)]
    for r in rows:
        assert r["model"] == "clsfer_tiny" and r["device"] == "cpu" and not r["oom"]
        assert r["img_per_s"] > 0 and r["ms_per_step"] > 0 and r["memory_mb"] > 0
        assert r["params_m"] > 0 and r["gmacs"] > 0


def test_cli_bench_unknown_model_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "bench", "no_such_model", "--device", "cpu"])
    assert result.exit_code == 2
    assert "no_such_model" in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_bench_markdown_table_has_the_notes_columns(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "--workspace",
            str(tmp_path),
            "bench",
            "clsfer_tiny",
            "--device",
            "cpu",
            "--batch-sizes",
            "2",
            "--mode",
            "infer",
            "--steps",
            "1",
            "--markdown",
        ],
    )
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    for col in ("Model", "Batch Size", "throughput", "FLOPs(G)", "Params(M)", "Memory(M)"):
        assert col in header


@pytest.mark.slow
def test_bench_job_stops_a_model_at_its_first_oom_and_records_rows(make_run):
    # 4096 images of 32 px need gigabytes of activations; the cap allows 200 MB more than at start.
    run_dir = make_run(
        base={
            "job": {"kind": "bench"},
            "bench": {
                "models": ["clsfer_tiny"],
                "batch_sizes": [2, 4096, 8192, 1],
                "mode": "both",
                "device": "cpu",
                "steps": 1,
                "warmup": 0,
                "input_size": 32,
                "max_memory_mb": 200,
            },
        }
    )
    assert run_job(run_dir, "fertui.bench") == 0, stdout_of(run_dir)
    rows = json.loads((run_dir / "bench.json").read_text())
    assert [(r["mode"], r["batch_size"], r["oom"]) for r in rows] == [
        ("train", 1, False),
        ("train", 2, False),
        ("train", 4096, True),
        ("infer", 1, False),
        ("infer", 2, False),
        ("infer", 4096, True),
    ]  # sorted; 8192 never tried
    evs = events(run_dir)
    assert [(e["mode"], e["batch_size"]) for e in evs if e["type"] == "bench_row" and e["oom"]] == [
        ("train", 4096),
        ("infer", 4096),
    ]
    assert not [e for e in evs if e["type"] == "oom"]  # an OOM row is a result: no alert, exit 0
    assert len([e for e in evs if e["type"] == "log"]) == 4
    known = BUILT_IN_JOBS["bench"]  # what `fertui add` accepts as this job's objective
    assert {m for e in evs if e["type"] == "log" for m in e["metrics"]} == set(known.logged)
    summary = [e for e in evs if e["type"] == "summary"][-1]["values"]
    assert {k for k, v in summary.items() if isinstance(v, (int, float))} == set(known.summary) | {"perf/img_per_s"}
    assert [e["row"] for e in evs if e["type"] == "bench_row"] == [1, 2, 3, 4, 5, 6]
    assert Store(run_dir.parent / "fertui.json").benchmarks() == []  # the manager writes rows, not the job
    assert "OOM" in (run_dir / "bench.md").read_text()


def test_cli_bench_save_records_rows_in_the_workspace_store(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "--workspace",
            str(tmp_path),
            "bench",
            "clsfer_tiny",
            "--device",
            "cpu",
            "--batch-sizes",
            "1",
            "--mode",
            "infer",
            "--steps",
            "1",
            "--save",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    stored = Store(tmp_path / "runs" / "fertui.json").benchmarks()
    assert [(r["model"], r["mode"], r["batch_size"], r["run"]) for r in stored] == [("clsfer_tiny", "infer", 1, None)]


def test_cpu_bench_takes_the_free_cores_and_marks_rows_measured_under_load(monkeypatch):
    import fertui.cpu_load as load
    from fertui.bench.runner import run_bench
    from fertui.bench.table import load_warning, markdown

    monkeypatch.setattr(load, "usable_cores", lambda: 4)
    monkeypatch.setattr(load, "load_average", lambda: 3.0)  # three cores busy with someone else's work
    assert load.free_cores() == 1
    rows = run_bench(["clsfer_tiny"], [1], "infer", "cpu", "off", 1, 0, 32)
    assert rows[0].threads == 1 and rows[0].load_avg == 3.0 and not rows[0].loaded
    monkeypatch.setattr(load, "load_average", lambda: 6.0)
    rows = run_bench(["clsfer_tiny"], [1], "infer", "cpu", "off", 1, 0, 32, threads=2)
    assert rows[0].threads == 2 and rows[0].loaded
    assert "1 of 1 rows were measured while the machine was loaded (load average up to 6.0" in load_warning(rows)
    assert "2 CPU thread(s), load average 6.0" in markdown(rows)


def test_paper_prefers_a_bench_row_measured_on_a_quiet_machine():
    from fertui.sweeps.paper import bench_row

    base = {"model": "m", "mode": "train", "batch_size": 256, "oom": False}
    rows = [{**base, "img_per_s": 300.0, "time": 1}, {**base, "img_per_s": 6.0, "time": 2, "loaded": True}]
    assert bench_row(rows, "m")["img_per_s"] == 300.0
    assert bench_row(rows[1:], "m")["img_per_s"] == 6.0  # the only row is still shown
