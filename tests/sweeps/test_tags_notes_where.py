"""Tags and notes added after the fact, and `ls --where`, on a finished sweep's runs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import UserError
from fertui.run_filter import compile_where
from tests.sweeps.conftest import DEPTH_LR


def _cli(space, *args):
    return CliRunner().invoke(app, ["--workspace", str(space.root), *args])


def test_tags_and_notes_round_trip_through_the_store_and_reach_the_report(space, tmp_path):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    first, second = (r["id"] for r in space.runs()[:2])
    result = _cli(space, "tag", first, second, "+baseline", "+draft")
    assert result.exit_code == 0, result.output
    assert _cli(space, "tag", first, "-draft").exit_code == 0  # "-draft" is a tag to remove, not an option
    assert space.store.get_run(first)["tags"] == ["baseline"]
    assert space.store.get_run(second)["tags"] == ["baseline", "draft"]
    assert _cli(space, "note", first, "lr too high, diverged at ep 12").exit_code == 0
    assert space.store.get_run(first)["notes"][0]["text"] == "lr too high, diverged at ep 12"
    listed = json.loads(_cli(space, "ls", "--all", "--json", "--tag", "draft").stdout)
    assert [r["id"] for r in listed] == [second]
    shown = " ".join(_cli(space, "show", first).output.split())
    assert "tags baseline" in shown and "lr too high, diverged at ep 12" in shown
    out = tmp_path / "r.html"
    assert _cli(space, "report", "--out", str(out)).exit_code == 0
    assert "lr too high, diverged at ep 12" in out.read_text() and "baseline" in out.read_text()
    assert _cli(space, "tag", "99999", "+x").exit_code == 2  # an unknown run changes nothing


def test_ls_where_filters_on_metrics_config_keys_and_fields(space):
    space.add("DepthLR.toml", DEPTH_LR)
    space.finish_all()
    every = json.loads(_cli(space, "ls", "--all", "--json").stdout)
    expected = [r["id"] for r in every if r["summary"]["best"]["val/acc"] > 84 and r["config"]["model"]["depth"] == 4]
    got = json.loads(_cli(space, "ls", "--all", "--json", "--where", "val/acc > 84 and model.depth == 4").stdout)
    assert expected and [r["id"] for r in got] == expected
    table = _cli(space, "ls", "--all", "--where", "status == 'done' and optim.lr >= 1e-4")
    assert table.exit_code == 0 and table.output.count("\n") >= 2
    bad = _cli(space, "ls", "--where", "__import__('os').system('true')")
    assert bad.exit_code == 2 and "not allowed" in bad.output


@pytest.mark.parametrize(
    "text", ["open('x')", "val/acc.__class__ > 1", "[x for x in tags]", "a if b else c", "val/acc >", "lambda: 1"]
)
def test_where_refuses_anything_but_names_constants_and_comparisons(text):
    with pytest.raises(UserError, match="--where"):
        compile_where(text)


def test_where_semantics():
    run = {
        "status": "done",
        "tags": ["x"],
        "config": {"model": {"depth": 8}},
        "summary": {"best": {"val/acc": 86.0, "train/loss": 0.2}},
    }
    assert compile_where("val/acc > 85 and model.depth == 8")(run)
    assert compile_where("'x' in tags and not status == 'nan'")(run)
    assert compile_where("train/loss < 0.5 or val/acc < 0")(run)
    assert not compile_where("val/f1 > 0")(run)  # a metric the run lacks matches nothing
    assert compile_where("model.depth in [4, 8] and 80 < val/acc <= 90")(run)
    assert not compile_where("val/acc > 'abc'")(run)  # mismatched kinds: no match, no error
