"""The HTML report: one file, opened offline in a real browser, with the board's best cell,
NaN cells, plots and run details on click; no URL to anywhere; no [job.env] values unasked."""

from __future__ import annotations

import os
import re
import stat

from typer.testing import CliRunner

from fertui.cli.main import app
from tests.share.conftest import SECRET
from tests.sweeps.conftest import EPS_SWEEP

EXTERNAL = re.compile(r"(?:https?|wss?|ftp)://|(?:src|href)\s*=\s*[\"']?//", re.I)


def _report(space, *args: str):
    result = CliRunner().invoke(app, ["--workspace", str(space.root), *args])
    assert result.exit_code == 0, result.output
    return result


BENCH_ROW = {
    "run": None,
    "model": "clsfer_d8",
    "mode": "infer",
    "batch_size": 256,
    "device": "cuda:0",
    "precision": "fp32",
    "input_size": 112,
    "params_m": 55.955,
    "gmacs": 6.385,
    "img_per_s": 2210.5,
    "ms_per_step": 115.8,
    "memory_mb": 5120.0,
}


def test_report_opens_offline_with_best_cell_plots_and_run_details(finished_sweep, browser, tmp_path):
    finished_sweep.store.add_benchmark(BENCH_ROW)
    out = tmp_path / "mail" / "report.html"
    _report(finished_sweep, "report", "DepthLR", "--out", str(out))
    text = out.read_text()
    assert not EXTERNAL.search(text), EXTERNAL.search(text)
    assert SECRET not in text and "HF_TOKEN" in text  # the key is shown, its value left out

    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto(out.as_uri())
    best = page.locator("table.board td.best")
    assert best.count() == 1 and "84.25 ± 0.35" in best.inner_text()
    nan = page.locator("table.board td.nan")
    assert nan.count() == 1 and "NaN" in nan.inner_text()
    plots = page.locator("img.plot")
    assert plots.count() == 3  # LR curves per depth, the heatmap, loss curves of the best runs
    assert all(w > 300 for w in plots.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))  # decoded PNGs
    assert "POSTER++" in page.locator("table.references").inner_text()
    assert "wins" in page.locator("table.compare").inner_text()
    efficiency = page.locator("table.efficiency").inner_text()
    assert "clsfer_d8" in efficiency and "2210.5" in efficiency and "6.385" in efficiency

    run_ids = best.get_attribute("data-runs").split()
    assert len(run_ids) == 2  # two seeds
    assert not page.locator(f"#run-{run_ids[0]}").evaluate("d => d.open")
    best.click()
    for run_id in run_ids:
        details = page.locator(f"#run-{run_id}")
        assert details.evaluate("d => d.open")
        assert "status" in details.inner_text() and "optim.lr" in details.inner_text()
    # The click lands on the first run's summary line, not deep in its settings.
    top = page.locator(f"#run-{run_ids[0]} > summary").evaluate("s => s.getBoundingClientRect().top")
    assert -2 <= top < 100, top  # at the top, give or take sub-pixel rounding
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert asked == []
    context.close()


def test_html_export_follows_the_umask_and_shows_env_only_when_asked(finished_sweep, tmp_path):
    old = os.umask(0o027)
    try:
        _report(finished_sweep, "export", "DepthLR", "--html", "--out", str(tmp_path / "x"))
    finally:
        os.umask(old)
    path = tmp_path / "x" / "DepthLR.html"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert SECRET not in path.read_text()
    finished_sweep.add("eps.toml", EPS_SWEEP)
    for i, run in enumerate(finished_sweep.runs("EPS")):
        finished_sweep.finish(run["id"], "done", 80.0 + i)
    _report(finished_sweep, "report", "--out", str(tmp_path / "all.html"), "--include-env")
    text = (tmp_path / "all.html").read_text()
    assert SECRET in text
    assert 'id="sweep-DepthLR"' in text and 'id="sweep-EPS"' in text  # every sweep when none is named
    assert "83.00 ± 0.35" in text and "83.00 ★" in text  # EPS's best (its last eps) is marked


def test_report_of_an_unknown_sweep_is_one_line_and_writes_nothing(finished_sweep, tmp_path):
    result = CliRunner().invoke(
        app, ["--workspace", str(finished_sweep.root), "report", "DepthLR", "Nope", "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2 and "Nope" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()
