"""JSON that stays valid with NaN and infinity in it (tagged as {"$float": "nan"})."""

from __future__ import annotations

import json
import math
from typing import Any


def tag_nonfinite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, dict):
        return {k: tag_nonfinite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tag_nonfinite(v) for v in value]
    return value


def _untag(obj: dict) -> Any:
    if len(obj) == 1 and "$float" in obj:
        return float(obj["$float"])
    return obj


def dumps(data: Any) -> str:
    try:  # the common case has no NaN: skip the tagging walk
        return json.dumps(data, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return json.dumps(tag_nonfinite(data), allow_nan=False, separators=(",", ":"))


def loads(text: str) -> Any:
    if '"$float"' not in text:
        return json.loads(text)
    return json.loads(text, object_hook=_untag)
