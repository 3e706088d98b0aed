"""Small things a researcher hits in the first hour: `fertui show` for people, `fertui models`
answered from its cache, runs without a best value sorted last in the console."""

from __future__ import annotations

import json
import os
import time

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.model_index import described_models
from fertui.store import Store
from fertui.tui.rows import sort_value


def test_show_rounds_for_people_and_gives_times_and_the_exit_code(tmp_path):
    runner = CliRunner()
    assert (
        runner.invoke(app, ["--workspace", str(tmp_path), "add", "--set", "run.name=probe", "--", "true"]).exit_code
        == 0
    )
    started = time.mktime((2026, 12, 1, 10, 0, 0, 0, 0, -1))
    Store(tmp_path / "runs" / "fertui.json").update_run(
        "00001",
        status="done",
        started=started,
        ended=started + 95,
        exit_code=0,
        summary={
            "last": {"train/loss": 0.16666666666666666, "train/lr": 0.000246913578, "val/acc": 63.23456789},
            "best": {"train/loss": 0.123456789, "train/lr": 0.000246913578, "val/acc": 64.98765},
            "epochs": 2,
            "epoch": 2,
            "step": 20,
            "img_per_s": 1234.5678,
            "values": {"best/val/acc": 64.98765432, "best_epoch": 2},
        },
    )
    out = runner.invoke(app, ["--workspace", str(tmp_path), "show", "1"]).stdout
    rows = {line.split()[0]: " ".join(line.split()[1:]) for line in out.splitlines() if line.strip()}
    assert rows["started"] == "2026-12-01 10:00:00"
    assert rows["ended"] == "2026-12-01 10:01:35 (ran 1m35s)"  # the duration as ls, run and the console show it
    assert rows["exit"] == "code 0"
    assert rows["val/acc"] == "last 63.23, best 64.99"
    assert rows["train/loss"] == "last 0.1667, best 0.1235"
    assert rows["train/lr"] == "last 0.0002469"  # no "best" of a learning rate
    assert rows["progress"] == "ep 2/2, step 20"
    assert rows["summary.img_per_s"] == "1235"
    assert rows["summary.values"] == "best/val/acc 64.99, best_epoch 2"
    assert "0.16666666666666666" not in out and "63.23456789" not in out


def test_models_rows_come_from_the_cache_until_a_model_file_changes(tmp_path):
    zoo, cache = tmp_path / "zoo", tmp_path / "cache"
    zoo.mkdir()
    (zoo / "net.py").write_text("@register_model\ndef net(**kw):\n    pass\n")
    calls = []

    def count(gmacs: float):
        def describe_all():
            calls.append(gmacs)
            return [{"name": "net", "params_m": 1.0, "gmacs": gmacs, "input_size": 112}]

        return describe_all

    assert described_models(count(1.5), zoo, cache)[0]["gmacs"] == 1.5
    assert described_models(count(9.9), zoo, cache)[0]["gmacs"] == 1.5 and calls == [1.5]
    (zoo / "_blocks.py").write_text("WIDTH = 2\n")  # a shared block changes every count
    assert described_models(count(3.0), zoo, cache)[0]["gmacs"] == 3.0 and calls == [1.5, 3.0]
    assert json.loads((cache / "model-rows.json").read_text())["rows"][0]["gmacs"] == 3.0


def test_runs_without_a_best_value_sort_last_both_ways():
    runs = {
        "a": {"summary": {"best": {"val/acc": 70.0}}},
        "b": {"summary": {}},
        "c": {"summary": {"best": {"val/acc": 80.0}}},
    }
    for reverse, expected in ((False, ["a", "c", "b"]), (True, ["c", "a", "b"])):
        order = sorted(runs, key=lambda k: sort_value({}, runs[k], "best", reverse), reverse=reverse)
        assert order == expected


def test_models_command_answers_from_a_warm_cache_without_torch(tmp_path):
    import subprocess
    import sys

    from fertui.model_index import models_dir, zoo_fingerprint

    cache = tmp_path / "cache"
    rows = [{"name": "clsfer_tiny", "params_m": 0.417, "gmacs": 0.02, "input_size": 48}]
    (cache / "fertui").mkdir(parents=True)
    (cache / "fertui" / "model-rows.json").write_text(
        json.dumps({"version": 1, "key": zoo_fingerprint(models_dir()), "rows": rows})
    )
    probe = (
        "import sys\nsys.argv = ['fertui', 'models', '--json']\n"
        "try:\n    from fertui.cli.main import main\n    main()\nexcept SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
        cwd=tmp_path,
    )
    assert json.loads(result.stdout) == rows and result.stderr.strip().splitlines()[-1] == "False"
