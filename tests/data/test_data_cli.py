"""``fertui data check``: the text and JSON reports, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fertui.cli.main import app

runner = CliRunner()


def _write_config(workspace: Path, name: str, root: Path | str, extra: str = "") -> str:
    (workspace / "configs").mkdir(exist_ok=True)
    (workspace / "configs" / "data.toml").write_text(
        f'[data]\nname = "{name}"\nroot = "{root}"\n{extra}\n[model]\ninput_size = 32\n'
    )
    return "data.toml"  # found through the configs/ fallback, like `fertui add`


def _check(workspace: Path, *args: str):
    return runner.invoke(app, ["--workspace", str(workspace), "data", "check", *args])


def test_text_report_lists_splits_classes_sizes(tmp_path: Path, rafdb_root: Path):
    result = _check(tmp_path, _write_config(tmp_path, "rafdb", rafdb_root))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "rafdb (official layout)" in out and "test (val)" in out
    assert "0 Surprise" in out and "6 Neutral" in out
    assert "train: sizes 100x100 (14)" in out and "no problems found" in out


def test_json_report(tmp_path: Path, affectnet_root: Path):
    result = _check(tmp_path, _write_config(tmp_path, "affectnet", affectnet_root, "affectnet_classes = 8"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dataset"] == "affectnet" and len(report["classes"]) == 8
    train, val = report["splits"]
    assert (train["split"], train["images"], train["counts"]["Contempt"]) == ("train", 36, 8)
    assert (val["split"], val["role"], val["images"], val["sizes"]) == ("val", "val", 8, {"64x64": 8})
    assert report["problems"] == 0


def test_synthetic_with_set_override(tmp_path: Path):
    config = _write_config(tmp_path, "synthetic", "")
    result = _check(tmp_path, config, "--set", "data.synthetic_train=14", "--set", "data.synthetic_test=7", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [s["images"] for s in report["splits"]] == [14, 7]
    assert report["splits"][0]["sizes"] == {"32x32": 14}
    assert list((tmp_path / "runs" / ".cache").glob("synthetic-*.npz"))  # cached in the workspace


def test_problems_are_listed_then_exit_2(tmp_path: Path, rafdb_root: Path):
    (rafdb_root / "basic" / "Image" / "aligned" / "test_0003_aligned.jpg").write_bytes(b"not a jpeg")
    label_file = rafdb_root / "basic" / "EmoLabel" / "list_patition_label.txt"
    label_file.write_text(label_file.read_text() + "test_0099.jpg 0\n")
    result = _check(tmp_path, _write_config(tmp_path, "rafdb", rafdb_root))
    assert result.exit_code == 2
    assert "test_0003_aligned.jpg: unreadable image" in result.output
    assert "list_patition_label.txt:22: label 0 out of range 1-7" in result.output
    assert result.output.strip().splitlines()[-1] == f"fertui: error: {rafdb_root}: 2 problems found"


def test_malformed_label_line_is_one_line_error(tmp_path: Path, ferplus_root: Path):
    (ferplus_root / "FER2013Train" / "label.csv").write_text('a.png,"(0, 0, 48, 48)",1,2,3\n')
    result = _check(tmp_path, _write_config(tmp_path, "ferplus", ferplus_root))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"fertui: error: {ferplus_root / 'FER2013Train' / 'label.csv'}:1: expected "
        "'image,box,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,"
        "unknown,nf' (12 columns), got 5 columns"
    )


def test_bad_root_and_missing_config(tmp_path: Path):
    result = _check(tmp_path, _write_config(tmp_path, "imagefolder", "no/such/dir"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"fertui: error: {tmp_path / 'configs' / 'data.toml'}: data.root: {tmp_path / 'no/such/dir'}: no such folder"
    )
    result = _check(tmp_path, "missing.toml")
    assert result.exit_code == 2 and "missing.toml: file not found" in result.output


def test_data_check_and_open_dataset_do_not_import_torch(tmp_path: Path, imagefolder_root: Path):
    import subprocess
    import sys

    code = (
        "import sys; from fertui.data import open_dataset; from fertui.data.check import check_dataset; "
        f"cfg = {{'data': {{'name': 'imagefolder', 'root': {str(imagefolder_root)!r}, 'layout': 'auto'}}, "
        "'model': {'input_size': 32}}; "
        "assert check_dataset(cfg)['problems'] == 0; "
        "print(sorted(m for m in ('torch', 'torchvision', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
