"""`fertui --help` and `fertui ls` must start fast: no torch, no textual, no optuna."""

import json
import subprocess
import sys

import pytest

HEAVY = ["torch", "textual", "optuna", "timm", "matplotlib", "numpy", "tensorboard"]

PROBE = """
import sys, json
sys.argv = ["fertui", *json.loads(sys.argv[1])]
try:
    from fertui.cli.main import main
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["ls"],
        ["ls", "--json"],
        ["show", "1"],
        ["add", "--set", "job.output_scalars=timm", "--", "python", "train.py"],
    ],
)
def test_light_commands_import_no_heavy_package(tmp_path, args):
    probe = PROBE.format(heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(["--workspace", str(tmp_path), *args])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    loaded = json.loads(result.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{args} imported {loaded}"
