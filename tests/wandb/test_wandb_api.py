"""fertui.wandb: real W&B-style scripts in a subprocess, checked by the events they leave behind."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fertui.jsonio import loads

REPO = Path(__file__).resolve().parents[2]
SHIMS = REPO / "fertui" / "shims"
IMPORTS = {"module": "import fertui.wandb as wandb", "shim": "import wandb"}


def run_script(tmp_path: Path, body: str, imports: str = "module", env: dict | None = None):
    """Run BODY after the W&B import; (events, stderr). The script's own asserts must hold."""
    run_dir = tmp_path / "run"
    script = tmp_path / "train.py"
    script.write_text(IMPORTS[imports] + "\n" + textwrap.dedent(body), encoding="utf-8")
    path = [str(SHIMS), str(REPO)] if imports == "shim" else [str(REPO)]
    full_env = {**os.environ, "FERTUI_RUN_DIR": str(run_dir), "PYTHONPATH": os.pathsep.join(path), **(env or {})}
    for name in ("FERTUI_RUN_ID", "FERTUI_RUN_NAME"):
        if name not in (env or {}):
            full_env.pop(name, None)
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [loads(line) for line in lines if line.strip()], result.stderr


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def logs(events: list[dict]) -> list[tuple]:
    return [(e["step"], e["metrics"], e.get("epoch")) for e in of_type(events, "log")]


def test_init_writes_a_wandb_event_and_the_config_as_flat_params(tmp_path):
    events, _ = run_script(
        tmp_path,
        """
        from pathlib import Path
        run = wandb.init(project="fer", name="r18-lr", tags=("baseline", "r18"), notes="first try",
                         entity="lab", group="g", job_type="train", mode="offline", settings=wandb.Settings(x=1),
                         config={"optim": {"lr": 0.1, "betas": (0.9, 0.99)}, "model": "resnet18", "root": Path("/d")})
        assert wandb.run is run and wandb.config is run.config
        assert wandb.config.optim == {"lr": 0.1, "betas": (0.9, 0.99)} and wandb.config["model"] == "resnet18"
        wandb.config.batch_size = 32
        wandb.config.update({"epochs": 3, "model": "resnet18"}, allow_val_change=True)
        wandb.config.setdefaults({"batch_size": 64, "seed": 1})
        wandb.config.update({"epochs": 3})  # nothing changed: no event
        assert "seed" in wandb.config and wandb.config.get("missing", 7) == 7 and wandb.config.batch_size == 32
        assert dict(wandb.config) == wandb.config.as_dict() and sorted(wandb.config)[0] == "batch_size"
        assert wandb.init(project="other") is run  # no reinit: the same run
    """,
    )
    assert of_type(events, "wandb") == [
        {
            "type": "wandb",
            "project": "fer",
            "name": "r18-lr",
            "tags": ["baseline", "r18"],
            "notes": "first try",
            "time": events[0]["time"],
        }
    ]
    assert [e["values"] for e in of_type(events, "params")] == [
        {"optim.lr": 0.1, "optim.betas": [0.9, 0.99], "model": "resnet18", "root": "/d"},
        {"batch_size": 32},
        {"epochs": 3},
        {"seed": 1},
    ]


def test_an_argparse_namespace_is_a_config(tmp_path):
    events, _ = run_script(
        tmp_path,
        """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.01)
        parser.add_argument("--arch", default="vit")
        args = parser.parse_args([])
        wandb.init(config=args)
        assert wandb.config.lr == 0.01
        wandb.finish()
        assert wandb.run is None
    """,
    )
    assert [e["values"] for e in of_type(events, "params")] == [{"lr": 0.01, "arch": "vit"}]


@pytest.mark.parametrize("imports", ["module", "shim"])
def test_log_follows_the_wandb_step_rules(tmp_path, imports):
    events, stderr = run_script(
        tmp_path,
        """
        import sys
        assert wandb.run is None
        try:
            wandb.log({"a": 1})
            raise SystemExit("log before init must raise")
        except wandb.Error:
            pass
        with wandb.init(project="fer") as run:
            wandb.log({"a": 1})                   # step 0
            wandb.log({"b": 2}, commit=False)     # step 1 stays open...
            run.log({"c": 3})                     # ...and ends here
            wandb.log({"d": 4}, step=5)           # an explicit step stays open
            wandb.log({"e": 5}, step=5)
            wandb.log({"f": 6}, step=7)           # a later step ends step 5
            wandb.log({"g": 7}, step=3)           # lower than 7: dropped, one warning
            wandb.log({"g": 8}, step=4)           # dropped, no second warning
            wandb.log({"epoch": 2, "val": {"acc": 0.5, "top": {"k5": 0.9}}})
            assert run.step == 8
            wandb.log({"h": 1}, commit=False)     # written by finish
        assert wandb.__name__ == "fertui.wandb" and sys.modules.get("wandb", wandb) is wandb
    """,
        imports=imports,
    )
    assert logs(events) == [
        (0, {"a": 1}, None),
        (1, {"b": 2, "c": 3}, None),
        (5, {"d": 4, "e": 5}, None),
        (7, {"f": 6, "epoch": 2, "val/acc": 0.5, "val/top/k5": 0.9}, 2),
        (8, {"h": 1}, None),
    ]
    assert stderr.count("lower than the current step") == 1


def test_numpy_scalars_and_zero_dim_tensors_are_numbers(tmp_path):
    pytest.importorskip("torch")
    events, _ = run_script(
        tmp_path,
        """
        import numpy as np, torch
        wandb.init()
        wandb.log({"train/loss": torch.tensor(0.5), "train/acc": np.float32(0.25), "n": np.int64(3)})
    """,
    )
    assert logs(events) == [(0, {"train/loss": 0.5, "train/acc": 0.25, "n": 3}, None)]


def test_a_nan_loss_reaches_report_as_a_nan_event(tmp_path):
    events, _ = run_script(
        tmp_path,
        """
        wandb.init()
        wandb.log({"train/loss": 0.7, "train/lr": 0.1})
        wandb.log({"train/loss": float("nan"), "train/lr": 0.1})
    """,
    )
    (nan,) = of_type(events, "nan")
    assert nan["step"] == 1 and nan["metric"] == "train/loss" and nan["lr"] == 0.1
    assert math.isnan(logs(events)[1][1]["train/loss"])


def test_summary_takes_slash_keys_and_reads_back_logged_values(tmp_path):
    events, _ = run_script(
        tmp_path,
        """
        run = wandb.init()
        run.summary["best/acc"] = 0.9
        wandb.summary.update({"test/acc": 0.8, "test": {"f1": 0.7}})
        wandb.log({"train/loss": 0.3})
        assert wandb.summary["best/acc"] == 0.9 and wandb.summary.get("train/loss") == 0.3
        assert "test/f1" in run.summary and wandb.summary.get("nope") is None
        wandb.finish()
    """,
    )
    assert [e["values"] for e in of_type(events, "summary")] == [{"best/acc": 0.9}, {"test/acc": 0.8, "test/f1": 0.7}]


METRICS_SCRIPT = textwrap.dedent("""
    wandb.init()
    wandb.define_metric("epoch")
    assert wandb.define_metric("val/acc", step_metric="epoch", summary="max").name == "val/acc"
    wandb.define_metric("val/loss", summary="best")           # "loss": lower is better
    wandb.define_metric("train/*", summary="min")
    wandb.define_metric("lr", summary="last,max")              # the max comes first
    for epoch, (acc, loss) in enumerate([(0.5, 0.9), (0.8, 0.4), (0.7, 0.6)]):
        wandb.log({"epoch": epoch, "val/acc": acc, "val/loss": loss, "train/loss": loss + 1, "lr": 1 - epoch / 10})
    wandb.log({"val/acc": 0.1}, commit=False)
""")
EXPECTED_SUMMARY = {"val/acc": 0.8, "val/loss": 0.4, "train/loss": 1.4, "lr": 1.0}


def test_defined_metrics_are_summarized_at_finish(tmp_path):
    events, _ = run_script(tmp_path, METRICS_SCRIPT + "wandb.finish()\nassert wandb.run is None\n")
    assert [e.get("epoch") for e in of_type(events, "log")] == [0, 1, 2, None]
    assert of_type(events, "summary")[-1]["values"] == EXPECTED_SUMMARY
    assert events[-1]["type"] == "summary"


def test_a_script_that_forgets_finish_still_gets_its_summaries(tmp_path):
    events, _ = run_script(tmp_path, METRICS_SCRIPT)
    assert logs(events)[-1] == (3, {"val/acc": 0.1}, None)
    assert of_type(events, "summary")[-1]["values"] == EXPECTED_SUMMARY


def test_media_are_saved_or_skipped_and_training_goes_on(tmp_path):
    pytest.importorskip("numpy")
    Image = pytest.importorskip("PIL.Image")
    (tmp_path / "plot.png").write_bytes(b"\x89PNG fake")
    events, stderr = run_script(
        tmp_path,
        """
        import numpy as np
        wandb.init()
        table = wandb.Table(columns=["file", "pred"])
        table.add_data("a.jpg", np.int64(3))
        wandb.log({"val/examples": wandb.Image(np.zeros((8, 6, 3), dtype=np.uint8), caption="x"),
                   "chw": [wandb.Image(np.random.rand(3, 8, 6)), wandb.Image("plot.png")],
                   "preds": table, "hist": wandb.Histogram([1, 2, 3]), "loss": 0.5})
        wandb.log({"hist": wandb.Histogram(np_histogram=([1], [0, 1])), "vid": wandb.Video("v.mp4"),
                   "chart": wandb.plot.line(table, "file", "pred"), "loss": 0.4})
    """,
    )
    media = tmp_path / "run" / "media"
    assert [(Path(e["path"]).name, e["kind"]) for e in of_type(events, "artifact")] == [
        ("val_examples_0.png", "image"),
        ("chw_0_0.png", "image"),
        ("chw_0_1.png", "image"),
        ("preds_0.table.json", "table"),
    ]
    with Image.open(media / "val_examples_0.png") as img:
        assert img.size == (6, 8) and img.mode == "RGB"
    with Image.open(media / "chw_0_0.png") as img:
        assert img.size == (6, 8)
    assert (media / "chw_0_1.png").read_bytes() == b"\x89PNG fake"
    assert json.loads((media / "preds_0.table.json").read_text()) == {
        "columns": ["file", "pred"],
        "data": [["a.jpg", 3]],
    }
    assert stderr.count("fertui.wandb: skipping Histogram values (not supported)") == 1
    assert "skipping Video values" in stderr and "skipping CustomChart values" in stderr
    assert logs(events) == [(0, {"loss": 0.5}, None), (1, {"loss": 0.4}, None)]


def test_run_attributes_and_the_harmless_extras(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"weights")
    events, stderr = run_script(
        tmp_path,
        """
        import os
        assert wandb.login(key="x") is True
        run = wandb.init(project="fer", reinit=True)
        assert run.id == "42" and run.name == "lr-0.1" and run.project == "fer" and run.url is None
        assert run.dir == os.environ["FERTUI_RUN_DIR"] and run.tags == () and run.notes is None
        wandb.watch(object(), log="all")
        wandb.save("model.pt")
        wandb.save("missing-*.ckpt")
        wandb.alert(title="slow", text="epoch took long", level=wandb.AlertLevel.WARN)
        wandb.termwarn("careful")
        second = wandb.init(reinit=True)
        assert second is not run and wandb.run is second
    """,
        env={"FERTUI_RUN_ID": "42", "FERTUI_RUN_NAME": "lr-0.1"},
    )
    assert len(of_type(events, "wandb")) == 2
    (artifact,) = of_type(events, "artifact")
    assert Path(artifact["path"]).read_bytes() == b"weights"
    assert of_type(events, "alert")[0] | {"time": 0} == {
        "type": "alert",
        "title": "slow",
        "text": "epoch took long",
        "level": "WARN",
        "time": 0,
    }
    assert "wandb: WARNING careful" in stderr


@pytest.mark.parametrize("imports", ["module", "shim"])
def test_importing_it_loads_no_heavy_package(tmp_path, imports):
    _, stderr = run_script(
        tmp_path,
        """
        import json, sys
        wandb.init()
        wandb.log({"x": 1})
        print(json.dumps(sorted(m for m in ("numpy", "torch", "PIL") if m in sys.modules)), file=sys.stderr)
    """,
        imports=imports,
    )
    assert json.loads(stderr.strip().splitlines()[-1]) == []
