"""The default set: metric-looking ``key: value`` pairs on any printed line, named by their context.

It reads "loss: 0.41", "val_acc=0.83", "Acc@1: 72.3", Python-dict and JSON lines
(``{'eval_loss': 0.5}``, ``{"loss": 0.4}``), and values followed by a full stop, comma or
semicolon ("Training accuracy: 0.1429. Loss: 1.946."). A bare key takes its prefix from the
nearest word before it on the line: "Validation"/"Test"/"eval" give ``val/``, "Training" gives
``train/``. Values after the word "best" (and keys such as ``best_acc``) are not the epoch's
value and are left out.
"""

from __future__ import annotations

import re

from fertui.capture.presets import NUMBER, PLACE_GROUPS, STEP_ALIASES

_VALUE_END = r"(?!\w|\.\d)"  # "0.1429." and "0.5," end at the digit; "1.2.3" is no number
PAIR = re.compile(rf"(?<![\w/.@'\"-])([A-Za-z][\w/.@-]*)\s*[:=]\s*({NUMBER}){_VALUE_END}")
QUOTED_PAIR = re.compile(rf"""['"]([A-Za-z][\w/.@-]*)['"]\s*:\s*({NUMBER}){_VALUE_END}""")
_CONTEXT = re.compile(r"(?i)\b(?:(train(?:ing)?)|(val(?:id|idation)?|test(?:ing)?|eval(?:uation)?)|(best))\b")
_EPOCH = re.compile(r"(?i)\bepoch\b\s*:?\s*\[?\s*(\d+)")
METRIC_WORDS = {
    "loss",
    "acc",
    "bacc",
    "accuracy",
    "top1",
    "top5",
    "lr",
    "epoch",
    "step",
    "iter",
    "iteration",
    "f1",
    "auc",
    "map",
    "miou",
    "err",
    "error",
    "uar",
    "war",
    "precision",
    "recall",
    "ppl",
}
PLACE_KEYS = {*PLACE_GROUPS, *STEP_ALIASES}
_KEY_PREFIXES = {"train_": "train/", "val_": "val/", "valid_": "val/", "test_": "test/", "eval_": "val/"}
_DROP = "best"


def key_words(key: str) -> list[str]:
    return re.split(r"[_/.@\-]+|(?<=[a-z])(?=[0-9])", key.lower())


def looks_like_metric(key: str) -> bool:
    return any(w in METRIC_WORDS for w in key_words(key))


def metric_name(key: str, context: str = "", any_key: bool = False) -> str | None:
    """``Val_Accuracy`` -> ``val/acc``; a bare ``loss`` after "Training" -> ``train/loss``.
    None for a key that is no metric (unless ANY_KEY) or that names a best value."""
    words = key_words(key)
    if _DROP in words or context == _DROP or not (any_key or looks_like_metric(key)):
        return None
    name = key.lower()
    if name in PLACE_KEYS:
        return name
    for prefix, slash in _KEY_PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            name = slash + name[len(prefix) :]
            break
    else:
        if "/" not in name and context:
            name = context + name
    head, _, last = name.rpartition("/")
    return f"{head}/acc" if last == "accuracy" and head else ("acc" if name == "accuracy" else name)


def _contexts(line: str) -> list[tuple[int, str]]:
    out = []
    for match in _CONTEXT.finditer(line):
        train, val, _best = match.groups()
        out.append((match.end(), "train/" if train else "val/" if val else _DROP))
    return out


def _context_at(contexts: list[tuple[int, str]], position: int) -> str:
    found = ""
    for end, context in contexts:
        if end > position:
            break
        found = context
    return found


def default_pairs(line: str, found: dict[str, str]) -> None:
    """Add the metric-looking pairs of LINE to FOUND (name -> number text), keeping what is there."""
    contexts = _contexts(line)
    for pattern in (PAIR, QUOTED_PAIR) if ("'" in line or '"' in line) else (PAIR,):
        for match in pattern.finditer(line):
            name = metric_name(match.group(1), _context_at(contexts, match.start()))
            if name is not None:
                found.setdefault(name, match.group(2))
    if "epoch" not in found:
        match = _EPOCH.search(line)
        if match:
            found["epoch"] = match.group(1)


def dict_pairs(line: str, found: dict[str, str], metrics_map: dict[str, str]) -> None:
    """Every number of a ``{'key': value}`` / ``{"key": value}`` line (a Trainer's log line)."""
    if "{" not in line:
        return
    for match in QUOTED_PAIR.finditer(line):
        key = match.group(1)
        name = key if key in metrics_map else metric_name(key, any_key=True)
        if name is not None:
            found.setdefault(name, match.group(2))
