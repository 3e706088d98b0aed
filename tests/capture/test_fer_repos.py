"""Published FER code's output formats as real sweep jobs under the daemon: ``auto`` reads each one,
a NaN in each stops its run, the board warns about fractions beside percent references, and
``fertui reingest`` turns a sweep that read nothing into one with values and COMPLETE trials.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.scheduler.daemon import ensure_daemon, stop_daemon
from fertui.store import Store
from fertui.workspace import open_workspace
from tests.waiting import wait_for

pytestmark = pytest.mark.slow
SCRIPTS = Path(__file__).parent / "scripts"
PERCENT_STYLES = ["progress-meter", "dan", "ddamfn-affectnet", "poster"]
FRACTION_STYLES = ["hf", "hf-json"]  # Trainer's accuracy comes as the user's metric computes it


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\ncpu_slots = 4\ncancel_grace_s = 3\n")
    yield tmp_path
    stop_daemon(open_workspace(tmp_path), timeout_s=10)


def cli(root: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def sweep(root: Path, name: str, styles: list[str], lrs: list[float], job_extra: str = "") -> list[dict]:
    """Queue STYLES x LRS of fer_formats.py as sweep NAME on RAF-DB and wait until all ended."""
    config = root / f"{name}.toml"
    config.write_text(
        textwrap.dedent(f"""
        [run]
        name = "{name}_{{params.style}}_lr{{params.lr}}"
        [data]
        name = "rafdb"
        [job]
        command = ["python", "fer_formats.py", "--style={{params.style}}", "--lr={{params.lr}}", "--gate={{run.dir}}"]
        cwd = "{SCRIPTS}"
        """)
        + job_extra
        + textwrap.dedent(f"""
        [sweep]
        name = "{name}"
        [sweep.axes]
        "params.style" = {json.dumps(styles)}
        "params.lr" = {json.dumps(lrs)}
        """)
    )
    cli(root, "add", str(config))
    store = Store(root / "runs" / "fertui.json")
    ensure_daemon(open_workspace(root))

    def ended():
        runs = store.sweep_runs(name)
        return runs if all(r["status"] not in ("queued", "running") for r in runs) else None

    return wait_for(ended, 240, f"sweep {name} to end")


def test_auto_reads_every_format_stops_each_nan_and_warns_about_fractions(workspace):
    runs = sweep(workspace, "repos", PERCENT_STYLES + FRACTION_STYLES, [0.1, 0.3])
    by_cell = {(r["params"]["params.style"], r["params"]["params.lr"]): r for r in runs}
    for style in PERCENT_STYLES + FRACTION_STYLES:
        good, bad = by_cell[(style, 0.1)], by_cell[(style, 0.3)]
        assert good["status"] == "done", (style, good)
        want = 73 if style in PERCENT_STYLES else 0.73
        assert good["summary"]["best"]["val/acc"] == pytest.approx(want), (style, good["summary"])
        assert good["summary"]["last"]["train/loss"] == pytest.approx(1 / 3, abs=1e-3)
        assert good["summary"]["output_scalars"].endswith("(chosen by auto)")
        assert bad["status"] == "nan", (style, bad)
    shown = cli(workspace, "show", by_cell[("dan", 0.1)]["id"])
    assert "output_scalars" in shown and "dan (chosen by auto)" in shown

    board = json.loads(
        cli(workspace, "board", "repos", "--rows", "params.style", "--cols", "params.lr", "--format", "json")
    )
    cells = {(c["params.style"], c["params.lr"]): c for c in board["cells"]}
    assert cells[("dan", 0.1)]["mean"] == pytest.approx(73) and cells[("dan", 0.3)]["states"] == {"nan": 1}
    hf_runs = sorted(by_cell[(s, 0.1)]["id"] for s in FRACTION_STYLES)
    (warning,) = board["warnings"]
    assert "never exceeds 1.0" in warning and all(run in warning for run in hf_runs)
    # The same warning beside the isolation view and in the paper's table, where 0.73 sat above 92.21.
    iso = json.loads(cli(workspace, "board", "repos", "--view", "isolation", "--format", "json"))
    assert iso["warnings"] == [warning]
    cli(workspace, "export", "repos", "--out", str(workspace / "exported"), "--paper")
    paper = next((workspace / "exported").glob("*_paper.md")).read_text()
    assert "| POSTER++ | **92.21** |" in paper and "**Warning: val/acc never exceeds 1.0" in paper
    assert all(run in paper for run in hf_runs)

    out = cli(workspace, "reingest", *hf_runs, "--set", 'job.metrics_scale={"val/acc" = 100}')
    assert out.count("val/acc 0.73 -> 73") == 2, out
    board = json.loads(
        cli(workspace, "board", "repos", "--rows", "params.style", "--cols", "params.lr", "--format", "json")
    )
    assert board["warnings"] == [] and all(
        c["mean"] == pytest.approx(73) for c in board["cells"] if c["params.lr"] == 0.1
    )


def test_reingest_turns_a_sweep_that_read_nothing_into_values_and_complete_trials(workspace):
    # The first try: DAN's output under the setting its README's neighbours suggest.
    runs = sweep(workspace, "dan", ["dan"], [0.1, 0.15], 'output_scalars = "progress-meter"\n')
    assert all(r["status"] == "done" and r["no_metric"] == "val/acc" for r in runs)
    assert "done (no val/acc)" in cli(workspace, "ls")
    log = workspace / "dan.log"
    log.write_text((workspace / "runs" / runs[0]["id"] / "stdout.log").read_text())
    assert "objective val/acc: found" in cli(workspace, "capture", "test", str(log))  # auto would have read it
    assert "NOT found" in cli(workspace, "capture", "test", str(log), "--preset", "progress-meter")

    ids = sorted(r["id"] for r in runs)
    out = cli(workspace, "reingest", *ids, "--set", "job.output_scalars=dan")
    assert "FAIL -> trial" in out and "COMPLETE" in out, out
    store = Store(workspace / "runs" / "fertui.json")
    for run_id in ids:
        doc = store.get_run(run_id)
        assert not doc.get("no_metric") and doc["config"]["job"]["output_scalars"] == "dan"
        assert doc["summary"]["output_scalars"] == "dan"
    assert "no val/acc" not in cli(workspace, "ls")
    board = json.loads(cli(workspace, "board", "dan", "--rows", "params.lr", "--format", "json"))
    means = {c["params.lr"]: c["mean"] for c in board["cells"]}
    assert means == {0.1: pytest.approx(73), 0.15: pytest.approx(78)}

    import optuna  # heavy: only this test reads the journal
    from optuna.storages.journal import JournalFileBackend

    storage = optuna.storages.JournalStorage(JournalFileBackend(str(workspace / "runs" / "optuna.journal")))
    trials = optuna.load_study(study_name="dan", storage=storage).trials
    complete = {t.user_attrs["fertui_run"]: t.value for t in trials if t.state.name == "COMPLETE"}
    assert complete == {ids[0]: pytest.approx(73), ids[1]: pytest.approx(78)} or complete == {
        ids[1]: pytest.approx(73),
        ids[0]: pytest.approx(78),
    }
    assert {store.get_run(i)["trial"] for i in ids} == {t.number for t in trials if t.state.name == "COMPLETE"}
