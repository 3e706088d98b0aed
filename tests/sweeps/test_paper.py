"""The paper's table: numbers equal the board's and the benchmark rows', best per column bold."""

from __future__ import annotations

from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.sweeps.board import pivot
from fertui.sweeps.paper import paper_latex, paper_markdown, paper_table
from tests.sweeps.test_per_class import matrix, overall, write_confusion

SWEEP = """
    [job]
    command = ["true"]
    [data]
    name = "rafdb"
    [sweep]
    name = "Paper"
    seeds = [0, 1, 2]
    [sweep.axes]
    "model.name" = ["baseline_ir50", "clsfer_ir50"]
    "optim.lr" = [3.2e-6, 1e-5, 3.2e-5]
"""


def bench(model: str, batch: int, img_per_s: float, memory_mb: float, params_m: float, gmacs: float) -> dict:
    """A row as `fertui bench --save` stores it (BenchRow.as_dict())."""
    return {
        "run": None,
        "model": model,
        "mode": "train",
        "batch_size": batch,
        "device": "cuda:0",
        "precision": "bf16",
        "input_size": 112,
        "params_m": params_m,
        "gmacs": gmacs,
        "img_per_s": img_per_s,
        "ms_per_step": 1000 * batch / img_per_s,
        "memory_mb": memory_mb,
        "oom": False,
        "note": "",
    }


def _filled(space):
    space.add("paper.toml", SWEEP)
    for run in space.runs():
        p = run["params"]
        bonus = 3 if p["model.name"] == "clsfer_ir50" else 0
        lr_bonus = {3.2e-6: 2, 1e-5: 4, 3.2e-5: 0}[p["optim.lr"]]
        m = matrix([10 + bonus, 2 + p["run.seed"], 3, 30 + lr_bonus, 12, 8, 20])
        write_confusion(space.ws.run_dir(run["id"]), 1, m)
        space.finish(run["id"], "done", overall(m))
    store = space.store
    store.add_benchmark(bench("baseline_ir50", 128, 900.0, 9000, 55.954, 7.594))
    store.add_benchmark(bench("baseline_ir50", 256, 1000.0, 17000, 55.954, 7.594))
    store.add_benchmark(bench("clsfer_ir50", 256, 1300.0, 14620, 55.955, 6.385))


def test_paper_table_numbers_equal_board_and_bench(space):
    _filled(space)
    table = paper_table(space.ws, "Paper")
    board = pivot(space.ws, "Paper", rows="model.name", cols="optim.lr")
    assert [r.method for r in table.ours] == ["baseline_ir50", "clsfer_ir50"]
    for row in table.ours:
        best = max((board.cell(row.method, lr) for lr in board.col_values), key=lambda c: c.mean)
        assert row.values["acc"] == best.mean and row.acc_std == best.std and row.seeds == 3
        assert row.where == "lr=1e-5"
    base, cls = table.ours
    from fertui.sweeps.per_class import RunClasses

    expected = [RunClasses("", 1, [], matrix([13, 2 + seed, 3, 34, 12, 8, 20])).mean_class for seed in range(3)]
    assert abs(cls.values["mean_class"] - sum(expected) / 3) < 1e-9
    assert (base.values["img_per_s"], base.values["memory_mb"]) == (1000.0, 17000)  # batch 256, not 128
    assert (cls.values["params_m"], cls.values["gmacs"], cls.values["img_per_s"]) == (55.955, 6.385, 1300.0)
    assert [r.method for r in table.references][:3] == ["POSTER++", "POSTER", "APViT"]
    assert "DDAMFN" in [r.method for r in table.references] and "FMAE" not in [r.method for r in table.references]
    md = paper_markdown(table)
    assert f"| clsfer_ir50 | {cls.values['acc']:.2f} ± {cls.acc_std:.2f} |" in md
    assert f"**{6.385:.2f}**" in md  # fewest GMACs
    assert "**1300.0**" in md and "**14620**" in md and "| POSTER++ | **92.21** | — | **43.700** | 8.40 |" in md
    assert "Pattern Recognition 2024, arXiv:2301.12149" in md and "RAF-DB basic, 12,271 train / 3,068 test" in md
    tex = paper_latex(table)
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"clsfer\_ir50 & " in tex and r"$\pm$" in tex and r"POSTER++~\cite{mao2024posterpp} & \textbf{92.21}" in tex


def test_export_paper_and_comparison_files(space):
    _filled(space)
    out = space.root / "exports"
    result = CliRunner().invoke(
        app, ["--workspace", str(space.root), "export", "Paper", "--out", str(out), "--paper", "--by", "model.name"]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {
        "RAF-DB_Paper_paper.md",
        "RAF-DB_Paper_paper.tex",
        "RAF-DB_Paper_compare.md",
        "RAF-DB_Paper_classes.png",
        "RAF-DB_Paper_lr_sensitivity.png",
    } <= names
    compare_md = (out / "RAF-DB_Paper_compare.md").read_text()
    assert "clsfer_ir50 − baseline_ir50 = " in compare_md and "per class:" in compare_md
    assert (out / "RAF-DB_Paper_classes.png").read_bytes()[:4] == b"\x89PNG"


def test_bench_rows_of_another_config_are_not_used(space):
    import json

    _filled(space)
    for run in space.runs():  # the trainer's start event: clsfer runs are a smaller config than the bench's
        params = 55.954 if run["params"]["model.name"] == "baseline_ir50" else 12.3456
        with open(space.ws.run_dir(run["id"]) / "events.jsonl", "w") as fh:
            fh.write(json.dumps({"type": "start", "params_m": params}) + "\n")
    base, cls = paper_table(space.ws, "Paper").ours
    assert base.values["gmacs"] == 7.594 and base.values["img_per_s"] == 1000.0
    # No benchmark of this config: GMACs are counted from the run's own [model] section, as `fertui models` does.
    from fertui.sweeps.model_cost import model_cost

    counted = model_cost(space.runs()[0]["config"]["model"] | {"name": "clsfer_ir50"})
    assert (
        cls.values["params_m"] == 12.3456 and cls.values["gmacs"] == counted.gmacs and cls.values["img_per_s"] is None
    )
    assert "no benchmark row of this config; params from the run, GMACs counted at 112 px" in cls.bench
