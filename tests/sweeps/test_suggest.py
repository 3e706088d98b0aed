"""Suggestions: never a tried cell, edge extension when the best is on an edge, refine, --enqueue."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.spec import cell_of, load_spec
from fertui.sweeps.suggest import enqueue_suggestions, suggest
from tests.sweeps.conftest import accuracy

WIDE = """
    [job]
    command = ["true"]
    [sweep]
    name = "Wide"
    [sweep.axes]
    "model.depth" = [2, 4, 6, 8]
    "optim.lr" = "logspace(1e-5, 1e-3, per_decade=4)"
"""


def _tried(space, spec):
    return {cell_of(spec, r["params"]) for r in space.runs() if r["status"] != "cancelled"}


def test_suggestions_never_repeat_a_finished_queued_or_running_cell(space):
    ids = space.add("wide.toml", WIDE)
    runs = space.runs()
    for run in runs[::3]:  # a third finished, one running, the rest cancelled (untried)
        p = run["params"]
        space.finish(run["id"], "done", accuracy(p["model.depth"], p["optim.lr"]))
    space.store.update_run(runs[1]["id"], status="running")
    for run in runs:
        if space.store.get_run(run["id"])["status"] == "queued" and run["id"] != runs[2]["id"]:
            space.finish(run["id"], "cancelled")
    spec = load_spec(space.ws, "Wide")
    tried = _tried(space, spec)
    found = suggest(space.ws, "Wide", 5)
    assert len(found) == 5 and len({cell_of(spec, s.params) for s in found}) == 5
    assert not {cell_of(spec, s.params) for s in found} & tried
    assert {s.kind for s in found} >= {"explore", "refine"}
    assert all(s.reason for s in found)
    assert len(ids) == 36


def test_best_on_the_lowest_lr_gives_an_extension_one_log_step_down(space):
    space.add("wide.toml", WIDE)
    space.finish_all(lambda depth, lr, seed: 90 - depth - 10 * (lr * 1e3))  # best: depth 2, lr 1e-5
    found = suggest(space.ws, "Wide", 3)
    # depth cannot go below 2 - 2 = 0 (model.depth >= 1), and the full grid leaves nothing to explore
    assert [s.kind for s in found] == ["extend", "refine"]
    assert found[0].params == {"model.depth": 2, "optim.lr": 5.6e-6}
    assert "lowest optim.lr (1e-5): extend the axis a log step down to 5.6e-6" in found[0].reason
    assert found[1].params == {"model.depth": 2, "optim.lr": 1.3e-5}


def test_enqueue_widens_the_axis_and_the_next_suggestions_move_on(space):
    space.add("wide.toml", WIDE)
    space.finish_all(lambda depth, lr, seed: 90 + depth - 10 * (lr * 1e3))  # best: depth 8, lr 1e-5
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "suggest", "Wide", "-n", "3", "--enqueue", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    cells = [s["params"] for s in data["suggestions"]]
    assert cells[0] == {"model.depth": 10, "optim.lr": 1e-5}  # axes in the config's order
    assert cells[1] == {"model.depth": 8, "optim.lr": 5.6e-6}
    assert cells[2]["optim.lr"] == 1.3e-5 and data["suggestions"][2]["kind"] == "refine"
    assert len(data["queued"]) == 3
    spec = load_spec(space.ws, "Wide")
    assert 5.6e-6 in spec.axis("optim.lr").values and 10 in spec.axis("model.depth").values
    new = [space.store.get_run(i) for i in data["queued"]]
    assert [(r["params"]["model.depth"], r["params"]["optim.lr"]) for r in new] == [
        (10, 1e-5),
        (8, 5.6e-6),
        (8, 1.3e-5),
    ]
    assert len(space.study("Wide").trials) == 36 + 3
    again = suggest(space.ws, "Wide", 5)
    assert not {cell_of(spec, s.params) for s in again} & _tried(space, spec)


def test_a_fresh_sweep_starts_in_the_middle_and_spreads_out(space):
    space.add("wide.toml", WIDE)
    for run in space.runs():
        space.finish(run["id"], "cancelled")
    found = suggest(space.ws, "Wide", 3)
    assert [s.kind for s in found] == ["start"] * 3
    assert found[0].params == {"model.depth": 4, "optim.lr": 1e-4}
    ids = enqueue_suggestions(space.ws, "Wide", found[:1])
    assert len(ids) == 1 and space.store.get_run(ids[0])["params"]["optim.lr"] == 1e-4
