"""Output scalars: metrics read from the lines a job prints (Guild AI's idea, fertui's names).

``[job] output_scalars`` is a preset name, a regular expression with named groups, or a list
of both. A named group becomes a metric (renamed through ``[job] metrics_map``); the groups
``step``, ``epoch``, ``batch`` and ``batches`` (batches per epoch) place the value; groups whose
name starts with ``_`` only help the match (e.g. ``(?P=_i)`` back-references). Without
``output_scalars`` a command job uses the default set: ``key: value`` / ``key=value`` pairs
whose key looks like a metric. The epoch seen last carries over to later lines, so a closing
" * Acc@1 91.2" after an epoch's lines counts for that epoch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:nan|inf(?:inity)?)"
PLACE_GROUPS = ("step", "epoch", "batch", "batches")
STEP_ALIASES = ("iter", "iteration", "global_step")  # printed names that mean the step

# timm's train.py: "Train: 3 [  30/382 (  8%)]  Loss: 0.812 (0.930)  Time: ...  LR: 1.000e-03  ..."
# Its eval metrics come from summary.csv (one row per epoch), which the preset also reads.
_TIMM_TRAIN = (r"Train: (?P<epoch>\d+) \[\s*(?P<batch>\d+)/(?P<batches>\d+)[^\]]*\]\s+"
               rf"Loss: (?P<train_loss>{NUMBER}) .*?LR: (?P<train_lr>{NUMBER})")
# The PyTorch ImageNet example's ProgressMeter ("Epoch: [3][ 30/382]\tLoss 8.1e-01 (9.3e-01)\t
# Acc@1  72.30 ( 70.10)") and its closing " * Acc@1 91.234 Acc@5 99.100", which most
# published FER code (POSTER, POSTER++, DAN, APViT) inherits. "Test: [..]" lines are running
# averages of a partial pass, so only the closing line counts for validation.
_PM_EPOCH = r"Epoch: \[(?P<epoch>\d+)\]\[\s*(?P<batch>\d+)/(?P<batches>\d+)\]"
PRESETS: dict[str, dict[str, Any]] = {
    "timm": {
        "patterns": [_TIMM_TRAIN],
        "metrics_map": {"train_loss": "train/loss", "train_lr": "train/lr", "eval_loss": "val/loss",
                        "eval_top1": "val/acc", "eval_top5": "val/top5", "lr": "train/lr"},
        "metrics_csv": "**/summary.csv",
    },
    "progress-meter": {
        "patterns": [rf"{_PM_EPOCH}.*?\bLoss\s+(?P<train_loss>{NUMBER})",
                     rf"{_PM_EPOCH}.*?\bAcc@1\s+(?P<train_acc>{NUMBER})",
                     rf"^\s*\*.*?\bAcc@1\s+(?P<val_acc>{NUMBER})",
                     rf"^\s*\*.*?\bAcc@5\s+(?P<val_acc5>{NUMBER})",
                     rf"^\s*\*.*?\bLoss\s+(?P<val_loss>{NUMBER})"],
        "metrics_map": {"train_loss": "train/loss", "train_acc": "train/acc", "val_acc": "val/acc",
                        "val_acc5": "val/acc5", "val_loss": "val/loss"},
    },
}

# The default set: "loss: 0.41", "val_acc=0.83", "Acc@1: 72.3", "lr=1e-3", "epoch: 3".
_PAIR = re.compile(rf"(?<![\w/.@-])([A-Za-z][\w/.@-]*)\s*[:=]\s*({NUMBER})(?![\w.])")
METRIC_WORDS = {"loss", "acc", "accuracy", "top1", "top5", "lr", "epoch", "step", "iter", "iteration",
                "f1", "auc", "map", "miou", "err", "error", "uar", "war", "precision", "recall", "ppl"}
_DEFAULT_PREFIXES = {"train_": "train/", "val_": "val/", "valid_": "val/", "test_": "test/",
                     "eval_": "eval/"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def to_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def looks_like_metric(key: str) -> bool:
    words = re.split(r"[_/.@\-]+|(?<=[a-z])(?=[0-9])", key.lower())
    return any(w in METRIC_WORDS for w in words)


def default_name(key: str) -> str:
    """``Val_Acc`` -> ``val/acc``: lower case, with a split-prefix turned into a slash."""
    name = key.lower()
    for prefix, slash in _DEFAULT_PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return slash + name[len(prefix):]
    return name


def metric_groups(pattern: re.Pattern) -> list[str]:
    return [g for g in pattern.groupindex if g not in PLACE_GROUPS and not g.startswith("_")]


@dataclass
class ScalarParser:
    """Turns printed lines into (metrics, step, epoch); one per run, it carries the last epoch."""

    patterns: list[re.Pattern] = field(default_factory=list)
    use_default: bool = False
    metrics_map: dict[str, str] = field(default_factory=dict)
    epoch: float | None = None

    def parse(self, line: str) -> tuple[dict[str, float], int | None, float | None] | None:
        if "\x1b" in line:
            line = _ANSI.sub("", line)
        found: dict[str, str] = {}
        for pattern in self.patterns:
            match = pattern.search(line)
            if match:
                found.update({k: v for k, v in match.groupdict().items() if v is not None})
        metrics: dict[str, float] = {}
        if self.use_default:
            for key, text in _PAIR.findall(line):
                if looks_like_metric(key):
                    name = default_name(key)
                    found.setdefault(name, text)
        aliases = () if "step" in found else STEP_ALIASES  # with a step, "iter" is just a metric
        place = {k: to_number(found.pop(k)) for k in (*PLACE_GROUPS, *aliases) if k in found}
        for key, text in found.items():
            value = to_number(text)
            if value is not None and not key.startswith("_"):
                metrics[self.metrics_map.get(key, key)] = value
        step = next((_whole(place[k]) for k in ("step", *aliases) if place.get(k) is not None), None)
        if place.get("epoch") is not None and math.isfinite(place["epoch"]):
            self.epoch = place["epoch"]
            if place.get("batch") is not None and place.get("batches") and step is None:
                step = _whole(self.epoch * place["batches"] + place["batch"])
        if not metrics:
            return None
        return metrics, step, self.epoch


def _whole(value: float | None) -> int | None:
    if value is None or not math.isfinite(value):
        return None
    return int(value)


def resolve(spec: Any, metrics_map: dict[str, str] | None, default_on: bool
            ) -> tuple[ScalarParser | None, str]:
    """The parser for ``output_scalars`` = SPEC and the CSV glob a preset brings ("" for none).

    SPEC is validated already (``check_spec``): "auto", a preset name, a pattern, or a list.
    """
    if spec == "auto":
        if not default_on:
            return None, ""
        return ScalarParser(use_default=True, metrics_map=dict(metrics_map or {})), ""
    items = [spec] if isinstance(spec, str) else list(spec)
    if not items or items in (["off"], ["none"]):
        return None, ""
    patterns, mapping, csv = [], {}, ""
    for item in items:
        preset = PRESETS.get(item)
        if preset:
            patterns += [re.compile(p) for p in preset["patterns"]]
            mapping.update(preset["metrics_map"])
            csv = csv or preset.get("metrics_csv", "")
        elif item == "default":
            continue
        else:
            patterns.append(re.compile(item))
    mapping.update(metrics_map or {})
    return ScalarParser(patterns=patterns, use_default="default" in items, metrics_map=mapping), csv


def check_spec(spec: Any) -> str | None:
    """What is wrong with an ``output_scalars`` value, or None when it is usable."""
    if spec in ("auto", "off", "none", "default"):
        return None
    if isinstance(spec, str):  # one pattern or preset: its problem, without a list index
        problem = check_spec([spec])
        return problem.partition("]: ")[2] if problem else None
    if not isinstance(spec, list):
        return f"expected a preset name ({', '.join(PRESETS)}), a regular expression or a list of them"
    for i, item in enumerate(spec):
        if not isinstance(item, str):
            return f"[{i}]: expected a string, got {item!r}"
        if item in PRESETS or item == "default":
            continue
        try:
            pattern = re.compile(item)
        except re.error as exc:
            return f"[{i}]: not a valid regular expression ({exc}): {item!r}"
        if not metric_groups(pattern):
            import difflib

            close = difflib.get_close_matches(item, [*PRESETS, "default"], n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return (f"[{i}]: {item!r} is not a preset{hint} nor a regular expression with a named group "
                    f"such as (?P<val_acc>[\\d.]+); presets: {', '.join(PRESETS)}, default")
    return None
