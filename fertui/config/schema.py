"""The typed schema of experiment configs: every section, key, type, default and range.

Keys are addressed as dotted paths (``optim.lr``) everywhere: in ``--set``, sweeps, boards
and name templates. ``[params]`` is free-form, for a user's own command jobs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fertui.metrics import DEFAULT_OBJECTIVE, Direction

Check = Callable[[Any], str | None]  # returns what was expected, or None when the value is fine


@dataclass(frozen=True)
class Field:
    # "int" | "int|auto" | "float" | "bool" | "str" | "list[str]" | "list[int]" | "list[float]" | "table" | "scalars"
    type: str
    default: Any
    check: Check | None = None
    help: str = ""


def positive(v: Any) -> str | None:
    return None if v > 0 else "a number > 0"


def non_negative(v: Any) -> str | None:
    return None if v >= 0 else "a number >= 0"


def at_least(n: int) -> Check:
    return lambda v: None if v >= n else f"an integer >= {n}"


def unit_open(v: Any) -> str | None:
    return None if 0 <= v < 1 else "a number in [0, 1)"


def unit_closed(v: Any) -> str | None:
    return None if 0 <= v <= 1 else "a number in [0, 1]"


def scale_factors(v: Any) -> str | None:
    good = all(
        isinstance(f, (int, float)) and not isinstance(f, bool) and math.isfinite(f) and f > 0 for f in v.values()
    )
    return None if good else 'a table of metric = positive number, e.g. {"val/acc" = 100}'


def one_of(*choices: Any) -> Check:
    return lambda v: None if v in choices else "one of " + ", ".join(repr(c) for c in choices)


def finite(v: Any) -> str | None:
    return None if math.isfinite(v) else "a finite number"


_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float | None:
    """ "90s", "10m", "2h", "1d" (or a bare number of seconds) in seconds; None for "" (unset)."""
    text = str(text).strip().lower()
    if not text:
        return None
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number) :] or "s"
    value = float(number) * _UNITS[unit]  # KeyError / ValueError: not a duration
    if not math.isfinite(value) or value <= 0:
        raise ValueError(text)
    return value


def duration(v: Any) -> str | None:
    try:
        duration_seconds(v)
    except (KeyError, ValueError):
        return 'a duration such as "90s", "10m", "2h" or "1d", or "" for none'
    return None


SCHEMA: dict[str, dict[str, Field]] = {
    "run": {
        "name": Field("str", "{model.name}", help="run name or template with {dotted.key} placeholders"),
        "seed": Field(
            "int",
            0,
            at_least(0),
            help="seed of the weights' initialisation and data order; a sweep's seeds list overrides it",
        ),
        "tags": Field("list[str]", [], help="labels to filter by (`fertui ls --tag`); `fertui tag` changes them later"),
        "priority": Field("int", 0, help="higher runs first; FIFO within a priority"),
        "after": Field(
            "list[str]",
            [],
            help="runs (ids or names) or sweeps this run waits for; "
            "held if one of them fails (also `fertui add --after`)",
        ),
    },
    "job": {
        "kind": Field(
            "str",
            "train",
            one_of("train", "bench", "command"),
            help="train (the built-in trainer), bench (the efficiency table) or command (any program)",
        ),
        "command": Field("list[str]", [], help="external command; {dotted.key} placeholders allowed"),
        "resume_command": Field(
            "list[str]",
            [],
            help="command jobs: what to run instead of `command` when the run "
            "resumes from a checkpoint in its folder ({run.resume} = its path)",
        ),
        "env": Field("table", {}, help="extra environment variables for the job"),
        "cwd": Field("str", "", help="command jobs: working directory; empty = where `fertui add` ran"),
        "output_scalars": Field(
            "scalars",
            "auto",
            help='metrics from printed lines: "auto" (the output picks a preset), a preset '
            '("progress-meter", "dan", "poster", "hf", "timm", "default"), regexes '
            "with named groups, or [] for none; see docs/capture.md",
        ),
        "metrics_map": Field("table", {}, help='captured name -> metric name, e.g. val_acc = "val/acc"'),
        "metrics_direction": Field(
            "table",
            {},
            help='metric name -> "maximize" | "minimize", for metrics '
            'that are not the objective, e.g. "val/err" = "minimize"; '
            "default: names of costs (loss, err, nll, ...) are minimized",
        ),
        "metrics_csv": Field("str", "", help="CSV log in the run folder to tail (glob allowed: **/summary.csv)"),
        "metrics_scale": Field(
            "table",
            {},
            scale_factors,
            help='metric -> factor for captured values, e.g. {"val/acc" = 100} for '
            "accuracies printed as fractions; a preset's own unit comes first",
        ),
        "tensorboard": Field("bool", True, help="command jobs: read TensorBoard files under the run folder"),
        "wandb": Field("str", "", one_of("", "fertui"), help='"fertui": `import wandb` in the job is fertui.wandb'),
        "objective_alert_after": Field(
            "float",
            30.0,
            non_negative,
            help="command jobs: minutes running without the objective before one "
            "alert (it comes earlier, after the first epoch, when epochs are "
            "logged); 0 = only that",
        ),
        "gpus": Field(
            "int",
            1,
            at_least(1),
            help="GPUs the job needs, with consecutive indices (CUDA_VISIBLE_DEVICES=2,3; torchrun sees them all)",
        ),
        "gpu_memory_mb": Field(
            "int",
            0,
            at_least(0),
            help="GPU memory the job needs per GPU, so small jobs share a GPU; 0 = one [scheduler] jobs_per_gpu share",
        ),
        "stall_after": Field(
            "str",
            "",
            duration,
            help='no event or output line for this long raises a "stalled" '
            'alert; "" = 5x the run\'s slowest gap so far, at least 10m',
        ),
        "timeout": Field("str", "", duration, help='stop the run (failed) after this wall-clock time; "" = never'),
    },
    "model": {
        "name": Field(
            "str",
            "clsfer_tiny",
            help="a registered model (`fertui models` lists them), e.g. clsfer_ir50, baseline_ir50",
        ),
        "backbone": Field("str", "", help="IR backbone name; empty = the model's default"),
        "depth": Field(
            "int",
            2,
            at_least(1),
            help="transformer blocks in the head (ViT blocks for baseline_*, CLS blocks for clsfer_*)",
        ),
        "dim": Field("int", 0, at_least(0), help="token width; 0 = the model's default"),
        "num_heads": Field("int", 0, at_least(0), help="0 = the model's default"),
        "mlp_ratio": Field(
            "float", 4.0, positive, help="hidden width of each block's MLP, as a multiple of the token width"
        ),
        "qkv_bias": Field("bool", True, help="bias terms in the attention's query/key/value projections"),
        "drop_path": Field("float", 0.0, unit_open, help="stochastic depth rate of the head's blocks"),
        "attn_drop": Field("float", 0.0, unit_open, help="dropout on the attention weights"),
        "proj_drop": Field("float", 0.0, unit_open, help="dropout after the attention and MLP projections"),
        "pos_embed": Field("bool", True, help="learned position embedding on the patch tokens"),
        "layer_scale": Field("float", 0.0, non_negative, help="CaiT layer-scale init; 0 = off"),
        "feature_stage": Field(
            "int",
            4,
            one_of(3, 4),
            help="IR backbone stage whose map becomes the tokens: 3 (256x14x14) or 4 (512x7x7 at 112 px)",
        ),
        "num_classes": Field("int", 7, at_least(2), help="classes of the data set (7 for RAF-DB basic)"),
        "input_size": Field("int", 112, at_least(16), help="image side in pixels the model is built for"),
        "pretrained": Field("str", "", help="path to a face.evoLVe/InsightFace IR checkpoint"),
    },
    "data": {
        "name": Field(
            "str",
            "synthetic",
            one_of("synthetic", "rafdb", "ferplus", "affectnet", "imagefolder"),
            help="data set: synthetic (built in, no download), rafdb, ferplus, affectnet or imagefolder",
        ),
        "root": Field(
            "str", "", help="folder of the data set (see docs/data.md for each layout); `fertui data check` opens it"
        ),
        "layout": Field(
            "str",
            "auto",
            one_of("auto", "official", "imagefolder"),
            help="official (the data set's own label files), imagefolder (train/<class>/) or auto",
        ),
        "affectnet_classes": Field("int", 7, one_of(7, 8), help="AffectNet: 7 classes (contempt dropped) or 8"),
        "synthetic_train": Field("int", 1400, at_least(7), help="synthetic data: training images drawn"),
        "synthetic_test": Field("int", 350, at_least(7), help="synthetic data: test images drawn"),
        "synthetic_seed": Field("int", 0, at_least(0), help="seed of the drawn synthetic images"),
        "batch_size": Field("int", 64, at_least(1), help="images per optimizer step"),
        "num_workers": Field(
            "int|auto",
            "auto",
            at_least(0),
            help='DataLoader workers; "auto" = 0 on a CPU, on a GPU one per usable core '
            "less one, at most 8; unused with data.cache",
        ),
        "pin_memory": Field("bool", True, help="page-locked host memory for faster copies to the GPU"),
        "persistent_workers": Field("bool", True, help="keep DataLoader workers alive between epochs"),
        "balanced_sampler": Field(
            "bool", False, help="draw classes equally often (RAF-DB is imbalanced: fear and disgust are rare)"
        ),
        "cache": Field(
            "str",
            "none",
            one_of("none", "ram", "gpu"),
            help='"ram" / "gpu": decode every image once to uint8 in host / GPU memory and '
            "augment whole batches as tensors there",
        ),
        "hflip": Field("bool", True, help="random horizontal flip in training"),
        "crop_scale": Field(
            "float",
            1.0,
            lambda v: None if 0 < v <= 1 else "a number in (0, 1]",
            help="train-time random crop: least area kept; 1 = off",
        ),
        "random_erasing": Field(
            "float", 0.0, unit_closed, help="probability of erasing a random box per training image"
        ),
        "color_jitter": Field(
            "float", 0.0, non_negative, help="strength of brightness/contrast/saturation jitter; 0 = off"
        ),
        "mean": Field("list[float]", [0.5, 0.5, 0.5], help="per-channel mean subtracted after scaling to [0, 1]"),
        "std": Field("list[float]", [0.5, 0.5, 0.5], help="per-channel standard deviation divided by after the mean"),
    },
    "optim": {
        "name": Field("str", "adamw", one_of("adamw", "adam", "sgd"), help="optimizer: adamw, adam or sgd"),
        "lr": Field("float", 2e-4, positive, help="peak learning rate (after warmup)"),
        "eps": Field("float", 1e-8, positive, help="Adam's epsilon"),
        "beta1": Field("float", 0.9, unit_open, help="Adam's first-moment decay"),
        "beta2": Field("float", 0.999, unit_open, help="Adam's second-moment decay"),
        "weight_decay": Field("float", 0.0, non_negative, help="decoupled weight decay (adamw) or L2 (adam, sgd)"),
        "momentum": Field("float", 0.9, unit_open, help="sgd: momentum"),
        "clip_grad": Field("float", 0.0, non_negative, help="max grad norm; 0 = off"),
    },
    "sched": {
        "name": Field(
            "str",
            "cosine",
            one_of("none", "cosine", "step", "exponential"),
            help="learning-rate schedule after warmup: none, cosine, step or exponential",
        ),
        "warmup_epochs": Field(
            "float", 0.0, non_negative, help="linear warmup from 0 to optim.lr, in epochs (fractions allowed)"
        ),
        "step_size": Field("int", 10, at_least(1), help="step: epochs between decays"),
        "gamma": Field("float", 0.1, positive, help="step / exponential: decay factor"),
        "min_lr": Field("float", 0.0, non_negative, help="cosine: the learning rate it ends at"),
    },
    "train": {
        "epochs": Field("int", 10, at_least(1), help="epochs to train"),
        "label_smoothing": Field("float", 0.0, unit_open, help="label smoothing of the cross-entropy"),
        "mixup_alpha": Field("float", 0.0, non_negative, help="mixup's Beta(alpha, alpha); 0 = off"),
        "cutmix_alpha": Field("float", 0.0, non_negative, help="CutMix's Beta(alpha, alpha); 0 = off"),
        "amp": Field(
            "str",
            "auto",
            one_of("auto", "bf16", "fp16", "off"),
            help="auto = bf16 on GPU, off on CPU; fp16 uses a GradScaler",
        ),
        "channels_last": Field("bool", True, help="channels-last memory format on GPU (faster convolutions)"),
        "compile": Field("bool", False, help="torch.compile the model"),
        "device": Field(
            "str", "auto", one_of("auto", "cpu", "cuda"), help="auto (the slot's GPU, else CPU), cpu or cuda"
        ),
        "on_nan": Field(
            "str",
            "stop",
            one_of("stop", "skip_step", "continue"),
            help="a non-finite loss: stop the run, skip that step, or continue",
        ),
        "log_every": Field("int", 10, at_least(1), help="steps between train/* events"),
        "max_steps_per_epoch": Field("int", 0, at_least(0), help="0 = whole epoch"),
        "threads": Field("int", 0, at_least(0), help="CPU threads for torch; 0 = torch's default"),
        "keep": Field(
            "str",
            "best+last",
            one_of("best+last", "best", "last"),
            help='checkpoints kept after the run: "best" drops last.pt at the end (resume needs it '
            'while running), "last" never writes best.pt',
        ),
        "save_optimizer": Field(
            "bool",
            False,
            help="best.pt also holds the optimizer state (last.pt always does, "
            "for resume); off keeps best.pt to the weights",
        ),
        "inject_nan_at_step": Field("int", 0, at_least(0), help="testing aid: make this step's loss NaN; 0 = off"),
    },
    "bench": {
        "models": Field(
            "list[str]", ["baseline_ir50", "clsfer_ir50"], help="models to benchmark (`fertui models` lists them)"
        ),
        "batch_sizes": Field(
            "list[int]",
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            help="batch sizes tried, smallest first; a model stops at its first OOM",
        ),
        "mode": Field("str", "both", one_of("train", "infer", "both"), help="time training steps, inference, or both"),
        "device": Field(
            "str", "auto", one_of("auto", "cpu", "cuda"), help="auto (the slot's GPU, else CPU), cpu or cuda"
        ),
        "steps": Field("int", 10, at_least(1), help="timed steps per measurement"),
        "warmup": Field("int", 3, at_least(0), help="untimed steps before timing"),
        "amp": Field("str", "auto", one_of("auto", "bf16", "fp16", "off"), help="auto = bf16 on GPU, off on CPU"),
        "input_size": Field("int", 0, at_least(0), help="image side in pixels; 0 = the model's default"),
        "max_memory_mb": Field("int", 0, at_least(0), help="CPU: address-space cap above the start; 0 = off"),
        "threads": Field("int", 0, at_least(0), help="CPU threads for torch; 0 = the cores not busy with other work"),
    },
    "sweep": {
        "name": Field("str", "", help="the sweep's name: boards, compare and suggest take it; runs keep it"),
        "strategy": Field(
            "str",
            "grid",
            one_of("grid", "optuna-grid", "tpe", "random"),
            help="grid (every cell), optuna-grid (every cell, Optuna's order), tpe or random (budget runs)",
        ),
        "objective": Field("str", DEFAULT_OBJECTIVE, help="the metric the sweep is judged by"),
        "direction": Field(
            "str",
            "",
            one_of("", *(d.value for d in Direction)),
            help='whether the objective is maximized or minimized; "" = by its name (a loss, err, nll, '
            "mse, mae or perplexity is minimized, anything else maximized: fertui.metrics)",
        ),
        "seeds": Field("list[int]", [0], help="replicates: each cell runs once per seed"),
        "budget": Field("int", 0, at_least(0), help="runs for tpe/random; 0 = grid size"),
        "axes": Field("table", {}, help='dotted key -> list, "range(a, b[, step])" or "logspace(a, b, per_decade=n)"'),
        "roles": Field("table", {}, help="dotted key -> scientific | nuisance | fixed"),
        "pruner": Field(
            "str",
            "none",
            one_of("none", "median", "successive_halving"),
            help="stop runs early that trail the others (Optuna's median or successive halving)",
        ),
        "pruner_warmup": Field("int", 1, at_least(0), help="epochs before pruning may act"),
    },
}

FREE_SECTIONS = {"params"}  # free-form keys for external commands
TOP_LEVEL = {"base"}


def field_for(dotted: str) -> Field | None:
    section, _, key = dotted.partition(".")
    return SCHEMA.get(section, {}).get(key)


def defaults() -> dict[str, dict[str, Any]]:
    return {s: {k: _copy(f.default) for k, f in keys.items()} for s, keys in SCHEMA.items() if s != "sweep"}


def _copy(v: Any) -> Any:
    return list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
