"""Turning what a script hands to W&B into numbers and JSON-safe values (no numpy import)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

MAX_TEXT = 1000  # a str() fallback longer than this is cut: an event line must stay small


def to_number(value: Any) -> Any:
    """VALUE as an int or float (numpy scalars, 0-dim tensors included), or None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (str, bytes, dict, list, tuple)):
        return None
    item = getattr(value, "item", None)
    if callable(item):
        try:  # a multi-element array or tensor raises: not a scalar
            result = item()
        except Exception:
            return None
        return result if isinstance(result, (int, float)) and not isinstance(result, bool) else None
    if hasattr(value, "__float__"):
        try:
            return float(value)
        except Exception:
            return None
    return None


def json_safe(value: Any) -> Any:
    """Numbers, strings, bools, None and lists of those as they are; anything else as str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_safe(v) if not isinstance(v, (list, tuple, dict)) else _text(v) for v in value]
    number = to_number(value)
    if number is not None:
        return number
    if type(value).__name__ == "bool_":  # numpy's bool
        return bool(value)
    return _text(value)


def _text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


def flatten(mapping: Any, sep: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(key, leaf) pairs of a nested mapping, keys joined with SEP: {"a": {"b": 1}} -> ("a.b", 1)."""
    for key, value in mapping.items():
        name = f"{prefix}{sep}{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from flatten(value, sep, name)
        else:
            yield name, value


def as_mapping(obj: Any) -> dict[str, Any]:
    """A config given as a dict, an argparse.Namespace or any object with __dict__."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "keys") and hasattr(obj, "__getitem__"):
        return {k: obj[k] for k in obj.keys()}
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    raise TypeError(f"wandb config must be a dict or an object with attributes, not {type(obj).__name__}")


def termlog(message: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    print(("wandb: " if prefix else "") + str(message), end="\n" if newline else "", file=sys.stderr)


def termwarn(message: str, repeat: bool = True, **ignored: Any) -> None:
    print(f"wandb: WARNING {message}", file=sys.stderr)


class WarnOnce:
    """Prints each distinct warning once: a training loop must not flood its log."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, key: str, message: str) -> None:
        if key not in self.seen:
            self.seen.add(key)
            print(f"fertui.wandb: {message}", file=sys.stderr, flush=True)
