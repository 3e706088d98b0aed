"""CsvSource: rows of timm's summary.csv and Lightning's metrics.csv become log events, read as they grow."""

import math

from fertui.capture.csvlog import CsvSource

TIMM_HEADER = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr\n"


def _append(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_timm_summary_read_as_it_grows(tmp_path):
    summary = tmp_path / "output" / "train" / "exp" / "summary.csv"
    _append(summary, TIMM_HEADER + "0,2.5,2.1,40.0,70.0,0.001\n1,2.0,1.9,")
    source = CsvSource(tmp_path, "**/summary.csv", rescan_s=0)
    [first] = source.read()
    assert first == {
        "type": "log",
        "step": 0,
        "epoch": 0.0,
        "src": "csv:output/train/exp/summary.csv",
        "pos": len(TIMM_HEADER) + len("0,2.5,2.1,40.0,70.0,0.001\n"),
        "metrics": {
            "epoch": 0.0,
            "train_loss": 2.5,
            "eval_loss": 2.1,
            "eval_top1": 40.0,
            "eval_top5": 70.0,
            "lr": 0.001,
        },
    }
    assert source.read() == []  # the half-written row waits
    _append(summary, "45.0,75.0,0.0009\n")
    [second] = source.read()
    assert second["step"] == 1 and second["metrics"]["eval_top5"] == 75.0
    assert second["pos"] == summary.stat().st_size
    assert source.read() == [] and source.bad == 0


def test_lightning_metrics_skip_empty_cells_and_use_the_step_column(tmp_path):
    metrics = tmp_path / "lightning_logs" / "version_0" / "metrics.csv"
    _append(metrics, "epoch,step,train_loss,val_acc\n0,49,0.9,\n0,99,0.7,\n0,99,,0.61\n")
    events = CsvSource(tmp_path, "lightning_logs/*/metrics.csv").read()
    assert [(e["step"], e["metrics"]) for e in events] == [
        (49, {"epoch": 0.0, "train_loss": 0.9}),
        (99, {"epoch": 0.0, "train_loss": 0.7}),
        (99, {"epoch": 0.0, "val_acc": 0.61}),
    ]


def test_lightning_rewrite_with_new_columns_does_not_repeat_rows(tmp_path):
    metrics = tmp_path / "metrics.csv"
    _append(metrics, "epoch,step,train_loss\n0,49,0.9\n")
    source = CsvSource(tmp_path, "metrics.csv")
    assert len(source.read()) == 1
    # Lightning rewrites the whole file when a new metric appears, old rows first
    metrics.write_text("epoch,step,train_loss,val_acc\n0,49,0.9,\n0,99,,0.61\n")
    assert [(e["step"], e["metrics"]) for e in source.read()] == [(99, {"epoch": 0.0, "val_acc": 0.61})]


def test_metrics_map_nan_and_text_cells(tmp_path):
    _append(tmp_path / "log.csv", "iter,loss,note,acc\n0,nan,warmup,inf\n1,0.5,,0.9\n")
    source = CsvSource(tmp_path, "log.csv", metrics_map={"iter": "step", "acc": "val/acc"})
    first, second = source.read()
    assert first["step"] == 0 and math.isnan(first["metrics"]["loss"])
    assert first["metrics"]["val/acc"] == math.inf and "note" not in first["metrics"]
    assert second == {
        "type": "log",
        "step": 1,
        "metrics": {"loss": 0.5, "val/acc": 0.9},
        "src": "csv:log.csv",
        "pos": (tmp_path / "log.csv").stat().st_size,
    }


def test_glob_finds_a_file_created_after_the_first_read(tmp_path):
    source = CsvSource(tmp_path, "**/summary.csv", rescan_s=0)
    assert source.read() == []
    _append(tmp_path / "output" / "train" / "later" / "summary.csv", TIMM_HEADER + "0,1,1,1,1,1\n")
    [event] = source.read()
    assert event["src"] == "csv:output/train/later/summary.csv"


def test_discovery_waits_for_rescan_s(tmp_path):
    source = CsvSource(tmp_path, "*.csv", rescan_s=3600)
    assert source.read() == []
    _append(tmp_path / "a.csv", "loss\n1\n")
    assert source.read() == []  # not rescanned yet


def test_restart_with_positions_neither_repeats_nor_loses_rows(tmp_path):
    summary = tmp_path / "summary.csv"
    _append(summary, TIMM_HEADER + "0,2.5,2.1,40,70,0.1\n1,2.0,1.9,45,75,0.1\n")
    recorded = CsvSource(tmp_path, "summary.csv").read()
    _append(summary, "2,1.5,1.7,50,80,0.1\n")
    positions = {recorded[-1]["src"]: recorded[-1]["pos"]}
    [event] = CsvSource(tmp_path, "summary.csv", positions=positions).read()
    assert event["step"] == 2 and event["metrics"]["epoch"] == 2.0  # the row index counts the skipped rows


def test_shrunk_file_is_read_again_from_the_top(tmp_path):
    log = tmp_path / "log.csv"
    _append(log, "loss\n3\n2\n1\n")
    source = CsvSource(tmp_path, "log.csv")
    assert len(source.read()) == 3
    log.write_text("loss\n9\n")
    assert source.read() == []  # once shorter may be a rewrite under way
    assert [(e["step"], e["metrics"]) for e in source.read()] == [(0, {"loss": 9.0})]


def test_bad_files_never_raise(tmp_path):
    _append(tmp_path / "partial.csv", "epoch,lo")  # header still being written
    (tmp_path / "binary.csv").write_bytes(b"\x00\xff\xfe\n\x00\x01\n")
    source = CsvSource(tmp_path, "*.csv", rescan_s=0)
    assert source.read() == []
    (tmp_path / "partial.csv").unlink()
    assert source.read() == []
