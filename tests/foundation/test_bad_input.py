"""A catalogue of user mistakes: each is one line on stderr, exit code 2, store unchanged."""

import textwrap

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app

runner = CliRunner()

# (file contents, extra CLI args, text the one-line message must contain)
BAD_CONFIGS = [
    ("[optim]\nlr = -1\n", [], "optim.lr: expected a number > 0"),
    ("[optim]\nlr = 0\n", [], "optim.lr: expected a number > 0"),
    ("[optim]\nbeta1 = 1.0\n", [], "optim.beta1: expected a number in [0, 1)"),
    ("[optim]\nbeta2 = -0.1\n", [], "optim.beta2: expected a number in [0, 1)"),
    ("[model]\ndepth = 0\n", [], "model.depth: expected an integer >= 1"),
    ("[model]\ndepth = 2.5\n", [], "model.depth: expected an integer"),
    ("[model]\ndepht = 4\n", [], "model.depht: unknown key (did you mean 'depth'?)"),
    ("[optimizer]\nlr = 1e-3\n", [], "optimizer: unknown section (did you mean 'optim'?)"),
    ('[optim]\nlr = "fast"\n', [], "optim.lr: expected a number"),
    ('[train]\ncompile = "yes"\n', [], "train.compile: expected true or false"),
    ('[optim]\nname = "adamx"\n', [], "optim.name: expected one of 'adamw', 'adam', 'sgd'"),
    ('[run]\ntags = "a"\n', [], "run.tags: expected a list of strs"),
    ('base = "missing.toml"\n', [], "base: base file not found"),
    ("[optim\nlr = 1\n", [], "not valid TOML"),
    ("optim = 3\n", [], "optim: expected a [optim] table"),
    ('[job]\nkind = "command"\n', [], "job.command: expected a non-empty command list"),
    ('[run]\nname = "x_{model.dept}"\n', [], "run.name: placeholder {model.dept} names no config key"),
    ('[sweep.axes]\n"optim.lrr" = [1e-4]\n', [], "sweep.axes.optim.lrr: unknown key (did you mean 'optim.lr'?)"),
    ('[sweep.axes]\n"optim.lr" = []\n', [], "sweep.axes.optim.lr: expected a non-empty list"),
    ('[sweep.axes]\n"optim.lr" = [-1.0]\n', [], "sweep.axes.optim.lr[0]: expected a number > 0"),
    ('[sweep.roles]\n"model.depth" = "scientific"\n', [], "sweep.roles.model.depth: names no axis"),
    ("[data]\nrandom_erasing = 1.5\n", [], "data.random_erasing: expected a number in [0, 1]"),
    ("[optim]\nlr = inf\n", [], "optim.lr: expected a finite number, got inf"),
    ("[model]\ndepth = 99999999999999999999\n", [], "model.depth: expected an integer of at most 18 digits"),
    ("[params]\nwhen = 2026-12-01T10:00:00\n", [], "params.when: expected a number, string, boolean or list"),
    ("[params.nested]\nx = nan\n", [], "params.nested.x: expected a finite number"),
    ('[job]\noutput_scalars = "timmm"\n', [], "job.output_scalars: 'timmm' is not a preset (did you mean 'timm'?)"),
    ('[job]\noutput_scalars = ["(?P<a"]\n', [], "job.output_scalars[0]: not a valid regular expression"),
    ('[job]\nwandb = "yes"\n', [], "job.wandb: expected one of '', 'fertui'"),
    ("[job]\nmetrics_map = {val_acc = 3}\n", [], "job.metrics_map.val_acc: expected a metric name string"),
    ('[job]\ncwd = "/no/such/dir"\ncommand = ["x"]\n', [], "job.cwd: expected an existing directory"),
]

BAD_SETS = [
    (["--set", "optim.lr=-3"], "--set: optim.lr: expected a number > 0"),
    (["--set", "optim.lr=abc"], "--set: optim.lr: expected a number, got 'abc'"),
    (["--set", "model.depth=two"], "--set: model.depth: expected an integer, got 'two'"),
    (["--set", "model.detph=2"], "--set: model.detph: unknown key (did you mean 'depth'?)"),
    (["--set", "modle.depth=2"], "--set: modle.depth: unknown section 'modle' (did you mean 'model'?)"),
    (["--set", "optim.lr"], "--set: optim.lr: expected KEY=VALUE"),
    (["--set", "train.amp=fp8"], "--set: train.amp: expected one of "),
    (["--set", "train.compile=maybe"], "--set: train.compile: expected true or false"),
    (["--set", "optim.lr=inf"], "--set: optim.lr: expected a finite number, got inf"),
    (["--set", "params.a=2", "--set", "params.a.b=1"], "--set: params.a.b: params.a is already a value (2)"),
    (["--set", "params.a.b=1", "--set", "params.a=2"], "--set: params.a: params.a is already a table"),
]


def store_bytes(ws):
    path = ws / "runs" / "fertui.json"
    return path.read_bytes() if path.exists() else None


def seeded_workspace(tmp_path):
    """A workspace with one queued run, so 'unchanged' means something."""
    (tmp_path / "configs").mkdir()
    good = tmp_path / "configs" / "good.toml"
    good.write_text('[job]\ncommand = ["true"]\n')
    result = runner.invoke(app, ["--workspace", str(tmp_path), "add", str(good)])
    assert result.exit_code == 0, result.output
    return store_bytes(tmp_path)


def assert_one_line_error(result, expected):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fertui: error: ")
    assert expected in lines[0], lines[0]
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize("text, args, expected", BAD_CONFIGS)
def test_malformed_config_is_rejected_with_one_line(tmp_path, text, args, expected):
    before = seeded_workspace(tmp_path)
    bad = tmp_path / "configs" / "bad.toml"
    bad.write_text(textwrap.dedent(text))
    result = runner.invoke(app, ["--workspace", str(tmp_path), "add", str(bad), *args])
    assert_one_line_error(result, expected)
    assert str(bad) in result.stderr or "missing.toml" in expected
    assert store_bytes(tmp_path) == before
    assert sorted(p.name for p in (tmp_path / "runs").iterdir() if p.name[0].isdigit()) == ["00001"]


@pytest.mark.parametrize("args, expected", BAD_SETS)
def test_bad_set_value_is_rejected_with_one_line(tmp_path, args, expected):
    before = seeded_workspace(tmp_path)
    result = runner.invoke(app, ["--workspace", str(tmp_path), "add", "good.toml", *args])
    assert_one_line_error(result, expected)
    assert store_bytes(tmp_path) == before


def test_missing_config_file(tmp_path):
    result = runner.invoke(app, ["--workspace", str(tmp_path), "add", "nope.toml"])
    assert_one_line_error(result, "nope.toml: file not found")
    assert store_bytes(tmp_path) is None


def test_one_bad_config_among_good_ones_queues_nothing(tmp_path):
    before = seeded_workspace(tmp_path)
    bad = tmp_path / "configs" / "bad.toml"
    bad.write_text("[optim]\nlr = -1\n")
    result = runner.invoke(app, ["--workspace", str(tmp_path), "add", "good.toml", "good.toml", str(bad)])
    assert_one_line_error(result, "optim.lr")
    assert store_bytes(tmp_path) == before


def test_unknown_run_and_unknown_status(tmp_path):
    seeded_workspace(tmp_path)
    assert_one_line_error(runner.invoke(app, ["--workspace", str(tmp_path), "show", "999"]), "no run '999'")
    assert_one_line_error(
        runner.invoke(app, ["--workspace", str(tmp_path), "ls", "--status", "runing"]), "unknown state 'runing'"
    )


def test_bad_workspace_settings(tmp_path):
    (tmp_path / "fertui.toml").write_text("[scheduler]\njobs_per_gpuu = 2\n")
    result = runner.invoke(app, ["--workspace", str(tmp_path), "ls"])
    assert_one_line_error(result, "fertui.toml: scheduler.jobs_per_gpuu: unknown key")


@pytest.mark.parametrize(
    "settings, expected",
    [
        ("[optuna]\nstorage = 42\n", "optuna.storage: expected a journal file path or a database URL string, got 42"),
        ('[executor]\nkind = "slurm"\ntime = "forever"\n', "executor.time: expected a time limit"),
    ],
)
def test_bad_settings_values(tmp_path, settings, expected):
    (tmp_path / "fertui.toml").write_text(settings)
    assert_one_line_error(runner.invoke(app, ["--workspace", str(tmp_path), "ls"]), expected)


@pytest.mark.parametrize("limit", ["90", "2:00:00", "1-12", "1-12:30:00", "UNLIMITED", 120])
def test_slurm_time_forms_are_accepted(limit):
    from fertui.config.slurm_options import check_options

    assert check_options({"time": limit})["time"] == limit


def test_version_and_a_workspace_that_does_not_exist(tmp_path):
    from fertui import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"fertui {__version__}"
    missing = tmp_path / "typo"
    assert_one_line_error(runner.invoke(app, ["--workspace", str(missing), "ls"]), "no such workspace folder")
    assert not missing.exists()
