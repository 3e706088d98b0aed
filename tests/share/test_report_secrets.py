"""A report leaves out what looks like a credential: [job.env] values and the values of command
arguments named like a secret, unless --include-env."""

from fertui.sweeps.webreport.run_details import SECRET_LEFT_OUT, redacted_command, redacted_config

COMMAND = [
    "python",
    "train.py",
    "--api-key",
    "abc123",
    "--hf-token=hf_xyz",
    "--num-keypoints",
    "68",
    "WANDB_API_KEY=s3cr3t",
    "--lr",
    "0.1",
    "--password",
    "--dry-run",
    "--auth_file",
    "~/.netrc",
]


def test_secret_named_arguments_are_left_out_and_the_rest_kept():
    assert redacted_command(COMMAND) == [
        "python",
        "train.py",
        "--api-key",
        SECRET_LEFT_OUT,
        f"--hf-token={SECRET_LEFT_OUT}",
        "--num-keypoints",
        "68",
        f"WANDB_API_KEY={SECRET_LEFT_OUT}",
        "--lr",
        "0.1",
        "--password",
        "--dry-run",
        "--auth_file",
        SECRET_LEFT_OUT,
    ]


def test_the_config_keeps_its_shape_and_include_env_shows_everything():
    config = {"job": {"kind": "command", "command": COMMAND, "env": {"HF_TOKEN": "hf_xyz"}}, "run": {"name": "x"}}
    text = str(redacted_config(config, include_env=False))
    assert "abc123" not in text and "hf_xyz" not in text and "s3cr3t" not in text and "68" in text
    assert config["job"]["command"] == COMMAND  # the run's own record is untouched
    assert redacted_config(config, include_env=True) == config
