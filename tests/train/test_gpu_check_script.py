"""benchmarks/gpu_check.py --tiny on this CPU, under an interpreter without fertui's manager deps.

The GPU machine's python3 has torch, timm, rich and typer but not tinydb, optuna or textual
(nor psutil, tomli-w, matplotlib, scipy or pynvml, which it may also lack): the launcher below
makes those imports fail, so a new import of any of them in the script's path fails this test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"
MISSING = ["tinydb", "optuna", "textual", "psutil", "tomli_w", "matplotlib", "scipy", "pynvml"]
LAUNCHER = """
import runpy, sys
MISSING = set({missing!r})

class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in MISSING:
            raise ImportError(f"No module named {{name!r}} (not on the GPU machine)")

sys.meta_path.insert(0, Missing())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
SECTIONS = ["environment", "slots", "train", "trainer_vs_plain", "data_cache", "compiled", "batch_sweep"]


@pytest.mark.slow
def test_tiny_gpu_check_runs_every_section_without_the_manager_deps(tmp_path):
    launcher = tmp_path / "launch.py"
    launcher.write_text(LAUNCHER.format(missing=MISSING))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OUT", "FERTUI_FAKE_GPUS")}
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(launcher), str(SCRIPT), "--tiny", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    doc = json.loads((out / "gpu_check.json").read_text())
    errors = {n: s.get("error") for n, s in doc["sections"].items() if s["status"] != "ok"}
    assert result.returncode == 0 and not errors, (errors, result.stderr[-2000:])
    sections = doc["sections"]
    assert list(sections) == SECTIONS
    assert sections["environment"]["torch"] and "nvidia_smi" in sections["environment"]

    slots = sections["slots"]["slots"]  # two fake GPUs: each slot's child process ran under its env
    assert [s["env"]["CUDA_VISIBLE_DEVICES"] for s in slots] == ["0", "1"]
    assert all(s["device_count"] == 0 for s in slots) and sections["slots"]["pynvml"] is False

    rows = sections["train"]["rows"]
    assert [r["model"] for r in rows] == ["baseline_tiny", "clsfer_tiny"]
    assert all(r["img_per_s"] > 0 and r["memory_mb"] > 0 for r in rows) and sections["train"]["ratio_img_per_s"] > 0
    assert all(r["compile"] == "eager" for r in sections["compiled"]["rows"])
    assert sections["trainer_vs_plain"]["ratio"] > 0
    assert [r["batch"] for r in sections["batch_sweep"]["rows"]] == [4, 8, 4, 8]

    feeds = sections["data_cache"]["rows"]
    assert [f["loader"] for f in feeds] == [
        "fixed tensor (no loader)",
        'data.cache = "ram"',
        "plain, num_workers = 0 (auto)",
    ]
    cached = feeds[1]
    assert cached["predicted_mb"] == cached["stored_mb"] > 0 and cached["vs_fixed_tensor"] > 0
    assert cached["val_batch_equal"] and cached["train_order_equal"] and cached["train_images_plain_or_mirror"]
    markdown = (out / "gpu_check.md").read_text()
    assert all(f"## {name}" in markdown for name in SECTIONS) and "notes 1.30x" in markdown


def test_a_spent_budget_skips_sections_and_still_writes_the_report(tmp_path):
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    assert gpu_check.main(["--tiny", "--budget-s", "0", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "gpu_check.json").read_text())
    assert list(doc["sections"]) == SECTIONS
    assert {s["status"] for s in doc["sections"].values()} == {"skipped"}
    assert "skipped: time budget spent" in (tmp_path / "gpu_check.md").read_text()
