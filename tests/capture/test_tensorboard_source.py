"""TensorBoardSource: scalars from real SummaryWriter files become log events, read as the files grow."""

import math
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("tensorboard")
pytest.importorskip("torch")
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from fertui.capture.tensorboard import TensorBoardSource  # noqa: E402


def _writer(folder):
    return SummaryWriter(str(folder), flush_secs=3600)


def _only_file(folder):
    [path] = folder.glob("events.out.tfevents.*")
    return path


def _steps(events):
    return [(e["step"], e["metrics"]) for e in events]


def test_scalars_read_as_the_file_grows(tmp_path):
    writer = _writer(tmp_path / "tb" / "exp1")
    for step in range(3):
        writer.add_scalar("train/loss", 1.0 / (step + 1), step)
        writer.add_scalar("epoch", step, step)
    writer.add_histogram("weights", pytest.importorskip("numpy").ones(10), 2)
    writer.add_text("notes", "not a metric", 2)
    writer.flush()
    source = TensorBoardSource(tmp_path, metrics_map={"train/loss": "loss"}, rescan_s=0)
    events = source.read()
    assert _steps(events) == [
        (0, {"loss": 1.0, "epoch": 0.0}),
        (1, {"loss": 0.5, "epoch": 1.0}),
        (2, {"loss": pytest.approx(1 / 3), "epoch": 2.0}),
    ]
    key = "tb:tb/exp1/" + _only_file(tmp_path / "tb" / "exp1").name
    assert {e["src"] for e in events} == {key} and [e["epoch"] for e in events] == [0.0, 1.0, 2.0]
    assert [e["pos"] for e in events] == sorted({e["pos"] for e in events})  # one past each, rising
    assert source.read() == []

    writer.add_scalar("train/loss", float("nan"), 3)
    writer.add_scalar("val/acc", 0.75, 3, new_style=True)  # a 0-dim tensor, not simple_value
    writer.flush()
    [nan_event] = source.read()
    assert nan_event["step"] == 3 and math.isnan(nan_event["metrics"]["loss"])
    assert nan_event["metrics"]["val/acc"] == 0.75 and "epoch" not in nan_event
    writer.close()
    assert source.read() == [] and source.bad == 0 and source.unavailable is None


def test_restart_with_positions_gives_no_duplicates(tmp_path):
    writer = _writer(tmp_path / "tb")
    for step in range(3):
        writer.add_scalar("loss", float(step), step)
    writer.flush()
    recorded = TensorBoardSource(tmp_path).read()
    for step in range(3, 5):
        writer.add_scalar("loss", float(step), step)
    writer.close()
    positions = {recorded[-1]["src"]: recorded[-1]["pos"]}
    assert [e["step"] for e in TensorBoardSource(tmp_path, positions=positions).read()] == [3, 4]


def test_second_file_found_on_rescan(tmp_path):
    first = _writer(tmp_path / "tb" / "a")
    first.add_scalar("loss", 1.0, 0)
    first.close()
    source = TensorBoardSource(tmp_path, rescan_s=0)
    assert len(source.read()) == 1
    second = _writer(tmp_path / "tb" / "b")
    second.add_scalar("loss", 2.0, 0)
    second.close()
    [event] = source.read()
    assert event["src"].startswith("tb:tb/b/") and event["metrics"] == {"loss": 2.0}


def test_new_files_wait_for_rescan_s(tmp_path):
    source = TensorBoardSource(tmp_path, rescan_s=3600)
    assert source.read() == []
    writer = _writer(tmp_path)
    writer.add_scalar("loss", 1.0, 0)
    writer.close()
    assert source.read() == []


def test_half_written_record_waits_and_garbage_never_raises(tmp_path):
    writer = _writer(tmp_path / "src")
    for step in range(3):
        writer.add_scalar("loss", float(step), step)
    writer.close()
    data = _only_file(tmp_path / "src").read_bytes()
    copy = tmp_path / "run" / "events.out.tfevents.copy"
    copy.parent.mkdir()
    copy.write_bytes(data[:-7])  # the last record cut short, as while the writer is mid-write
    source = TensorBoardSource(tmp_path / "run")
    assert [e["step"] for e in source.read()] == [0, 1]
    with open(copy, "ab") as fh:
        fh.write(data[-7:])
    assert [e["step"] for e in source.read()] == [2]
    with open(copy, "ab") as fh:
        fh.write(b"\x13\x37garbage\xff" * 3)
    assert source.read() == [] and source.read() == []


def test_vanished_and_non_event_files_are_dropped(tmp_path):
    writer = _writer(tmp_path)
    writer.add_scalar("loss", 1.0, 0)
    writer.close()
    (tmp_path / "events.out.tfevents.junk").write_bytes(b"\x00" * 64)
    source = TensorBoardSource(tmp_path, rescan_s=0)
    assert len(source.read()) == 1
    shutil.rmtree(tmp_path)
    assert source.read() == [] and source.files == {}


def test_without_tensorboard_it_says_so(tmp_path, monkeypatch):
    writer = _writer(tmp_path)
    writer.add_scalar("loss", 1.0, 0)
    writer.close()
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # makes "import tensorboard..." fail
    monkeypatch.delitem(sys.modules, "tensorboard.backend.event_processing.event_file_loader", raising=False)
    source = TensorBoardSource(tmp_path)
    assert source.read() == []
    assert source.unavailable == "tensorboard is not installed (pip install tensorboard)"


def test_import_does_not_load_tensorboard():
    probe = (
        "import fertui.capture.tensorboard, sys; assert 'tensorboard' not in sys.modules; "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=60)
