"""fertui add / ls / show through Typer's runner."""

import json
import tomllib

from typer.testing import CliRunner

from fertui.cli.main import app

runner = CliRunner()


def invoke(ws, *args):
    result = runner.invoke(app, ["--workspace", str(ws), *args])
    assert result.exit_code == 0, result.output + result.stderr
    return result


def test_add_config_writes_resolved_config_and_lists(tmp_path):
    cfg = tmp_path / "exp.toml"
    cfg.write_text(
        '[run]\nname = "CLSFER_depth{model.depth}_lr{optim.lr}"\ntags = ["lr"]\n'
        '[job]\ncommand = ["echo", "{optim.lr}"]\n[model]\ndepth = 4\n'
    )
    out = invoke(tmp_path, "add", str(cfg), "--set", "optim.lr=1.8e-5").stdout
    assert out.split() == ["00001", "CLSFER_depth4_lr1.8e-5"]
    resolved = tomllib.loads((tmp_path / "runs" / "00001" / "config.toml").read_text())
    assert resolved["optim"]["lr"] == 1.8e-5
    assert resolved["fertui"]["id"] == "00001"
    runs = json.loads(invoke(tmp_path, "ls", "--json").stdout)
    assert runs[0]["command"] == ["echo", "1.8e-05"]  # commands get full precision
    assert runs[0]["status"] == "queued" and runs[0]["tags"] == ["lr"]


def test_add_command_after_dashes(tmp_path):
    out = invoke(tmp_path, "add", "--set", "run.name=probe", "--", "python", "-c", "print(1)").stdout
    assert "probe" in out
    run = json.loads(invoke(tmp_path, "show", "1", "--json").stdout)
    assert run["kind"] == "command" and run["command"] == ["python", "-c", "print(1)"]


def test_ls_filters(tmp_path):
    for name in ("CLSFERBaseline_depth2_SearchLR", "CLSFERBaseline_depth4_SearchLR", "other"):
        invoke(tmp_path, "add", "--set", f"run.name={name}", "--set", 'run.tags=["t"]', "--", "true")
    names = [r["name"] for r in json.loads(invoke(tmp_path, "ls", "--name", "*SearchLR", "--json").stdout)]
    assert names == ["CLSFERBaseline_depth2_SearchLR", "CLSFERBaseline_depth4_SearchLR"]
    assert json.loads(invoke(tmp_path, "ls", "--status", "done", "--json").stdout) == []
    assert len(json.loads(invoke(tmp_path, "ls", "--tag", "t", "--json").stdout)) == 3
    table = invoke(tmp_path, "ls").stdout
    assert "CLSFERBaseline_depth4_SearchLR" in table and "queued" in table
    assert "queued" in invoke(tmp_path, "show", "other").stdout


def test_workspace_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FERTUI_HOME", str(tmp_path))
    result = runner.invoke(app, ["add", "--", "true"])
    assert result.exit_code == 0
    assert (tmp_path / "runs" / "fertui.json").exists()


def test_ls_shows_a_run_whose_objective_has_no_value_yet(tmp_path):
    from fertui.store import Store

    invoke(tmp_path, "add", "--", "true")
    Store(tmp_path / "runs" / "fertui.json").update_run(
        "00001", status="nan", summary={"objective": "val/acc", "best": {"train/loss": 2.0}}
    )
    assert "nan" in invoke(tmp_path, "ls").stdout


def test_run_with_an_empty_queue_says_so(tmp_path):
    assert "nothing queued" in invoke(tmp_path, "run").stdout
