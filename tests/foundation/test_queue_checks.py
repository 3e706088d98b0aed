"""Checked at queue time: an unknown model name or a data root that cannot hold the data set
is one line, exit 2, nothing queued; and `fertui add` still never imports torch."""

import json
import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.model_index import load_index, names_in_source
from tests.foundation.test_bad_input import assert_one_line_error, seeded_workspace, store_bytes

runner = CliRunner()


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def add(ws, *args):
    return runner.invoke(app, ["--workspace", str(ws), "add", *args])


@pytest.mark.parametrize(
    "text, args, expected",
    [
        ('[model]\nname = "clsfer_ir51"\n', [], "model.name: unknown model 'clsfer_ir51'; did you mean clsfer_ir50"),
        ("", ["--set", "model.name=clsfer_tiyn"], "model.name: unknown model 'clsfer_tiyn'; did you mean clsfer_tiny"),
        (
            '[sweep.axes]\n"model.name" = ["clsfer_tiny", "basline_tiny"]\n',
            [],
            "model.name: unknown model 'basline_tiny'; did you mean baseline_tiny",
        ),
        (
            '[job]\nkind = "bench"\n[bench]\nmodels = ["clsfer_tiny", "resnet50"]\n',
            [],
            "bench.models[1]: unknown model 'resnet50'",
        ),
        ('[data]\nname = "rafdb"\nroot = "no/such/place"\n', [], "data.root: "),
        ('[data]\nname = "rafdb"\n', [], "data.root: expected the folder holding the rafdb data set"),
    ],
)
def test_unknown_model_or_missing_data_root_queues_nothing(tmp_path, text, args, expected):
    before = seeded_workspace(tmp_path)
    bad = tmp_path / "configs" / "bad.toml"
    bad.write_text(text)
    result = add(tmp_path, str(bad), *args)
    assert_one_line_error(result, expected)
    assert str(bad) in result.stderr
    assert store_bytes(tmp_path) == before
    assert sorted(p.name for p in (tmp_path / "runs").iterdir() if p.name[0].isdigit()) == ["00001"]


def test_data_root_must_hold_the_layouts_label_file_and_split_folders(tmp_path):
    before = seeded_workspace(tmp_path)
    raf = tmp_path / "raf"
    (raf / "basic" / "EmoLabel").mkdir(parents=True)
    cfg = tmp_path / "configs" / "raf.toml"
    cfg.write_text(f'[data]\nname = "rafdb"\nroot = "{raf}"\n')
    assert_one_line_error(add(tmp_path, str(cfg)), "no basic/EmoLabel/list_patition_label.txt")
    (raf / "basic" / "EmoLabel" / "list_patition_label.txt").write_text("train_00001.jpg 5\n")
    assert_one_line_error(add(tmp_path, str(cfg)), "no basic/Image/aligned/ folder")
    folders = tmp_path / "folders"
    (folders / "train" / "happy").mkdir(parents=True)
    cfg.write_text('[data]\nname = "imagefolder"\nroot = "folders"\n')  # relative to the workspace
    assert_one_line_error(add(tmp_path, str(cfg)), "no evaluation split folder; expected one of test/")
    cfg.write_text('[data]\nname = "ferplus"\nlayout = "official"\nroot = "folders"\n')
    assert_one_line_error(add(tmp_path, str(cfg)), "no FER2013Train/label.csv")
    assert store_bytes(tmp_path) == before
    (raf / "basic" / "Image" / "aligned").mkdir(parents=True)  # the cheap check passes: no image opened
    cfg.write_text(f'[data]\nname = "rafdb"\nroot = "{raf}"\n')
    assert add(tmp_path, str(cfg)).exit_code == 0


def test_index_is_rebuilt_when_a_model_file_changes(tmp_path):
    folder, cache = tmp_path / "zoo", tmp_path / "cache"
    folder.mkdir()
    (folder / "a.py").write_text("@register_model\ndef net_a(**kw):\n    pass\n")
    (folder / "_private.py").write_text("@register_model\ndef hidden(**kw):\n    pass\n")
    assert load_index(folder, cache).names == {"net_a"}
    (folder / "b.py").write_text("def net_b():\n    pass\n\nregister_model(net_b)\n")
    assert load_index(folder, cache).names == {"net_a", "net_b"}
    edited = "@models.register_model\ndef net_a2(**kw):\n    pass\n"
    (folder / "a.py").write_text(edited)
    os.utime(folder / "a.py", ns=(time.time_ns(), time.time_ns() + 10**9))  # mtime moves even on a coarse clock
    index = load_index(folder, cache)
    assert index.names == {"net_a2", "net_b"} and index.complete
    assert json.loads((cache / "model-index.json").read_text())[str(folder.resolve())]["names"] == ["net_a2", "net_b"]


def test_a_registration_the_index_cannot_read_leaves_the_name_to_the_zoo():
    names, complete = names_in_source("for n in ('x', 'y'):\n    register_model(make(n))\n")
    assert names == set() and not complete


def test_the_index_names_every_registered_model():
    from models import list_models  # imports torch: only this test pays for it

    index = load_index()
    assert index is not None and index.complete
    assert index.names == set(list_models())


def test_add_of_a_training_config_imports_neither_torch_nor_numpy(tmp_path):
    cfg = tmp_path / "exp.toml"
    cfg.write_text('[model]\nname = "clsfer_tiny"\n')
    probe = (
        "import sys\nsys.argv = ['fertui', '--workspace', sys.argv[1], 'add', sys.argv[2]]\n"
        "try:\n    from fertui.cli.main import main\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, sorted(m for m in ('torch', 'numpy', 'timm', 'optuna') if m in sys.modules), file=sys.stderr)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path), str(cfg)], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.stderr.strip().splitlines()[-1] == "0 []", result.stderr


def test_the_consoles_picker_refuses_an_unknown_model_too(tmp_path):
    from fertui.errors import ConfigError
    from fertui.tui.screens.picker import plan_and_enqueue
    from fertui.workspace import open_workspace

    before = seeded_workspace(tmp_path)
    bad = tmp_path / "configs" / "typo.toml"
    bad.write_text('[model]\nname = "clsfer_tiyn"\n')
    with pytest.raises(ConfigError, match="unknown model 'clsfer_tiyn'; did you mean clsfer_tiny"):
        plan_and_enqueue(open_workspace(tmp_path), bad)
    assert store_bytes(tmp_path) == before


@pytest.mark.parametrize(
    "command, text, expected",
    [
        (
            "add",
            '[sweep]\nname = "typo"\nobjective = "val/accc"\n[sweep.axes]\n"optim.lr" = [1e-3, 1e-4]\n',
            "sweep.objective: the built-in trainer never reports 'val/accc' (did you mean 'val/acc'?); it reports val/acc",
        ),
        (
            "run",
            '[sweep]\nname = "typo"\nobjective = "val/mca"\n[sweep.axes]\n"optim.lr" = [1e-3]\n',
            "sweep.objective: the built-in trainer never reports 'val/mca'",
        ),
        (
            "add",
            (
                '[job]\nkind = "bench"\n[bench]\nmodels = ["clsfer_tiny"]\n[sweep]\nname = "b"\n'
                'objective = "perf/img_per_sec"\n[sweep.axes]\n"bench.steps" = [1, 2]\n'
            ),
            "the benchmark job never reports 'perf/img_per_sec' (did you mean 'perf/img_per_s'?)",
        ),
    ],
)
def test_an_objective_the_built_in_job_never_reports_queues_nothing(tmp_path, command, text, expected):
    before = seeded_workspace(tmp_path)
    bad = tmp_path / "configs" / "typo.toml"
    bad.write_text(text)
    result = runner.invoke(app, ["--workspace", str(tmp_path), command, str(bad)])
    assert_one_line_error(result, expected)
    assert str(bad) in result.stderr
    assert store_bytes(tmp_path) == before and not (tmp_path / "runs" / "optuna.journal").exists()


def test_a_reported_objective_and_a_command_jobs_own_objective_are_queued(tmp_path):
    seeded_workspace(tmp_path)
    good = tmp_path / "configs" / "good_sweep.toml"
    good.write_text('[sweep]\nname = "mca"\nobjective = "val/mean_class_acc"\n[sweep.axes]\n"optim.lr" = [1e-3]\n')
    assert add(tmp_path, str(good)).exit_code == 0
    own = tmp_path / "configs" / "own.toml"
    own.write_text(
        '[job]\ncommand = ["true"]\n[sweep]\nname = "own"\nobjective = "val/uar"\n[sweep.axes]\n"params.lr" = [1]\n'
    )
    assert add(tmp_path, str(own)).exit_code == 0
