"""Config loading: inheritance, --set overrides with types, placeholders, validation."""

import textwrap

import pytest

from fertui.config import compact, load_config, parse_set, render, sanitize_name
from fertui.errors import ConfigError


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_base_inheritance_child_wins_and_defaults_fill(tmp_path):
    write(
        tmp_path / "base.toml",
        """
        [model]
        name = "clsfer_ir50"
        depth = 8
        [optim]
        lr = 1e-4
        eps = 1e-7
    """,
    )
    child = write(
        tmp_path / "child.toml",
        """
        base = "base.toml"
        [optim]
        lr = 4e-4
    """,
    )
    cfg = load_config(child)
    assert cfg.get("model.name") == "clsfer_ir50"
    assert cfg.get("model.depth") == 8
    assert cfg.get("optim.lr") == 4e-4
    assert cfg.get("optim.eps") == 1e-7
    assert cfg.get("optim.beta2") == 0.999  # schema default


def test_two_level_inheritance_and_sets_apply_last(tmp_path):
    write(tmp_path / "a.toml", "[train]\nepochs = 50\n[model]\ndepth = 2\n")
    write(tmp_path / "b.toml", 'base = "a.toml"\n[model]\ndepth = 4\n')
    c = write(tmp_path / "c.toml", 'base = "b.toml"\n[optim]\nlr = 1e-3\n')
    cfg = load_config(c, ["model.depth=6", "optim.lr=5.6e-6", "train.compile=true", "run.tags=a,b"])
    assert cfg.get("train.epochs") == 50
    assert cfg.get("model.depth") == 6 and isinstance(cfg.get("model.depth"), int)
    assert cfg.get("optim.lr") == pytest.approx(5.6e-6)
    assert cfg.get("train.compile") is True
    assert cfg.get("run.tags") == ["a", "b"]


def test_set_parses_by_schema_type():
    assert parse_set("optim.lr=4e-4") == ("optim.lr", 4e-4)
    assert parse_set("optim.lr=1") == ("optim.lr", 1.0)
    assert parse_set("model.depth=8") == ("model.depth", 8)
    assert parse_set("model.name=baseline_ir50") == ("model.name", "baseline_ir50")
    assert parse_set('run.name="x_{model.depth}"') == ("run.name", "x_{model.depth}")
    assert parse_set("bench.batch_sizes=[1, 2, 4]") == ("bench.batch_sizes", [1, 2, 4])
    assert parse_set("params.width=3") == ("params.width", 3)
    assert parse_set("sweep.axes.optim.lr=[1e-4, 2e-4]") == ("sweep.axes.optim.lr", [1e-4, 2e-4])


def test_params_section_is_free_form_and_flattened(tmp_path):
    cfg = load_config(write(tmp_path / "x.toml", "[params]\nalpha = 0.5\n[params.inner]\nk = 2\n"))
    assert cfg.flat()["params.alpha"] == 0.5
    assert cfg.flat()["params.inner.k"] == 2


def test_command_job_kind_inferred(tmp_path):
    cfg = load_config(write(tmp_path / "x.toml", '[job]\ncommand = ["echo", "{optim.lr}"]\n'))
    assert cfg.get("job.kind") == "command"


def test_inheritance_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.toml", 'base = "b.toml"\n')
    write(tmp_path / "b.toml", 'base = "a.toml"\n')
    with pytest.raises(ConfigError, match="inheritance cycle"):
        load_config(tmp_path / "a.toml")


def test_compact_values_for_names():
    assert compact(2e-4) == "2e-4"
    assert compact(1.8e-05) == "1.8e-5"
    assert compact(5.6e-06) == "5.6e-6"
    assert compact(0.5) == "0.5"
    assert compact(8) == "8"
    assert (
        render("CLSFERBaseline_depth{model.depth}_SearchLR", {"model.depth": 8}, "f", "run.name")
        == "CLSFERBaseline_depth8_SearchLR"
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "etc_passwd"),
        ("a/b\\c", "a_b_c"),
        ("..", "run"),
        ("ok-name_1.5e-4", "ok-name_1.5e-4"),
        ("spaces and $(rm -rf)", "spaces_and_rm_-rf"),
    ],
)
def test_names_are_sanitised(name, expected):
    assert sanitize_name(name) == expected
