"""The slurm executor's settings and batch script, without a cluster (fast; always runs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import tomli_w
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import ConfigError
from fertui.scheduler import slurm_cli
from fertui.scheduler.executors import make_executor
from fertui.scheduler.slurm_script import batch_script, gres_for
from fertui.workspace import open_workspace

OPTIONS = {
    "kind": "slurm",
    "partition": "gpu",
    "account": "fer-lab",
    "gres": "gpu:1",
    "time": "2:00:00",
    "mem": "32G",
    "cpus": 8,
    "max_jobs": 3,
    "sbatch_lines": ["--constraint=a100", "#SBATCH --exclusive"],
    "preamble": ["export FROM_PREAMBLE=yes", "echo preamble ran"],
}


def _workspace(tmp_path, executor: dict):
    (tmp_path / "fertui.toml").write_text(tomli_w.dumps({"executor": executor}), encoding="utf-8")
    return open_workspace(tmp_path)


def test_fertui_toml_selects_slurm_with_its_options(tmp_path):
    ws = _workspace(tmp_path, OPTIONS)
    executor = make_executor(ws)
    assert executor.kind == "slurm" and executor.options["partition"] == "gpu"
    assert [s.name for s in executor.slots(ws)] == ["slurm0", "slurm1", "slurm2"]  # max_jobs in flight


@pytest.mark.parametrize(
    "executor, key, expected",
    [
        ({"kind": "slurm", "parttion": "gpu"}, "executor.parttion", "unknown key for kind 'slurm'"),
        ({"kind": "slurm", "cpus": "8"}, "executor.cpus", "CPUs per job"),
        ({"kind": "slurm", "cpus": 0}, "executor.cpus", "CPUs per job"),
        ({"kind": "slurm", "preamble": [1]}, "executor.preamble", "strings only"),
        ({"kind": "slurm", "requeue": "yes"}, "executor.requeue", "true or false"),
        ({"kind": "slurm", "max_jobs": True}, "executor.max_jobs", "an integer >= 1"),
    ],
)
def test_bad_settings_name_file_key_and_expectation(tmp_path, executor, key, expected):
    with pytest.raises(ConfigError) as info:
        _workspace(tmp_path, executor)  # reading fertui.toml already checks the executor's keys
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'fertui.toml'}: ") and key in message and expected in message
    assert "\n" not in message


def test_bad_settings_stop_the_cli_before_anything_is_queued(tmp_path):
    (tmp_path / "fertui.toml").write_text('[executor]\nkind = "slurm"\nparttion = "gpu"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "add", "--", "python", "-c", "pass"])
    assert result.exit_code == 2
    assert "fertui.toml: executor.parttion: unknown key" in result.output
    assert not (tmp_path / "runs" / "fertui.json").exists()


def test_batch_script_carries_every_option_and_runs_the_wrapper(tmp_path):
    run_dir = tmp_path / "runs" / "00007"
    run_dir.mkdir(parents=True)
    env = {"FERTUI_RUN_DIR": str(run_dir), "FERTUI_RUN_ID": "00007", "FERTUI_PARAMS": '{"optim.lr": 0.001}'}
    argv = [
        sys.executable,
        "-c",
        "import os; print('job sees', os.environ['FERTUI_RUN_ID'], "
        "os.environ['FROM_PREAMBLE'], os.environ['FERTUI_PARAMS'])",
    ]
    script = batch_script(OPTIONS, {"id": "00007", "name": "probe"}, run_dir, argv, env)
    directives = [line.split(" ", 1)[1] for line in script.splitlines() if line.startswith("#SBATCH")]
    assert directives == [
        "--job-name=fertui-00007-probe",
        f"--chdir={tmp_path}",
        f"--output={run_dir / 'stdout.log'}",
        "--open-mode=append",
        "--partition=gpu",
        "--account=fer-lab",
        "--gres=gpu:1",
        "--time=2:00:00",
        "--mem=32G",
        "--cpus-per-task=8",
        "--requeue",
        "--constraint=a100",
        "--exclusive",
    ]
    lines = script.splitlines()
    assert lines.index("echo preamble ran") < next(i for i, line in enumerate(lines) if line.startswith("exec "))

    # Outside Slurm the #SBATCH lines are comments: the script itself must run the job to the end.
    (run_dir / "exit.json").write_text('{"exit_code": 9}')  # a previous attempt's record goes first
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'job sees 00007 yes {"optim.lr": 0.001}' in done.stdout
    assert json.loads((run_dir / "exit.json").read_text())["exit_code"] == 0


def test_slurm_fields_are_parsed_as_documented():
    assert slurm_cli.base_state("CANCELLED by 0") == "CANCELLED"
    assert slurm_cli.base_state("COMPLETING+") == "COMPLETING"
    assert slurm_cli.split_exit("0:0") == (0, None)
    assert slurm_cli.split_exit("143:0") == (143, None)
    assert slurm_cli.split_exit("0:9") == (0, 9)
    assert slurm_cli.split_exit("") == (None, None)


def test_python_option_runs_wrapper_and_builtin_jobs_under_the_nodes_interpreter(tmp_path):
    run_dir = tmp_path / "runs" / "00001"
    script = batch_script(
        {"kind": "slurm", "python": "/opt/fer/venv/bin/python"},
        {"id": "00001"},
        run_dir,
        [sys.executable, "-m", "fertui.train"],
        {},
    )
    exec_line = script.splitlines()[-1]
    assert exec_line == (
        f"exec /opt/fer/venv/bin/python -m fertui.scheduler.wrapper {run_dir} -- "
        "/opt/fer/venv/bin/python -m fertui.train"
    )


@pytest.mark.parametrize(
    ("gres", "gpus", "expected"),
    [
        ("gpu:1", 1, "gpu:1"),
        ("", 1, ""),
        ("", 4, "gpu:4"),
        ("gpu:1", 2, "gpu:2"),
        ("gpu:a100:1", 4, "gpu:a100:4"),
        ("gpu", 2, "gpu:2"),
        ("shard:2,gpu:1", 3, "shard:2,gpu:3"),
        ("shard:2", 2, "shard:2,gpu:2"),
    ],
)
def test_a_job_of_several_gpus_asks_slurm_for_that_many(gres, gpus, expected):
    assert gres_for(gres, gpus) == expected


def test_job_gpus_reaches_the_batch_script(tmp_path):
    run = {"id": "00003", "name": "wide", "config": {"job": {"gpus": 2}}}
    script = batch_script({"kind": "slurm", "gres": "gpu:a100:1"}, run, tmp_path / "runs" / "00003", ["true"], {})
    assert "#SBATCH --gres=gpu:a100:2" in script.splitlines()
