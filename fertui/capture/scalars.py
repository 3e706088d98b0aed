"""Output scalars: metrics read from the lines a job prints (Guild AI's idea, fertui's names).

``[job] output_scalars`` is a preset name, a regular expression with named groups, or a list
of both. A named group becomes a metric (renamed through ``[job] metrics_map``); the groups
``step``, ``epoch``, ``batch`` and ``batches`` (batches per epoch) place the value; groups whose
name starts with ``_`` only help the match (e.g. ``(?P=_i)`` back-references). Without
``output_scalars`` (``auto``) a command job's output chooses among the presets
(fertui.capture.presets) and the default set (fertui.capture.default_set); see
fertui.capture.auto. The epoch seen last carries over to later lines, so a closing
" * Acc@1 91.2" after an epoch's lines counts for that epoch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from fertui.capture.default_set import default_pairs, dict_pairs
from fertui.capture.presets import PLACE_GROUPS, PRESETS, STEP_ALIASES, Preset

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def to_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def metric_groups(pattern: re.Pattern) -> list[str]:
    return [g for g in pattern.groupindex if g not in PLACE_GROUPS and not g.startswith("_")]


@dataclass
class ScalarParser:
    """Turns printed lines into (metrics, step, epoch); one per run, it carries the last epoch."""

    patterns: list[re.Pattern] = field(default_factory=list)
    use_default: bool = False
    dict_lines: bool = False
    metrics_map: dict[str, str] = field(default_factory=dict)
    epoch: float | None = None

    @property
    def only_default(self) -> bool:
        """Reads the default set alone: it guesses, so it stands down for a job that reports itself."""
        return self.use_default and not self.patterns and not self.dict_lines

    def parse(self, line: str) -> tuple[dict[str, float], int | None, float | None] | None:
        if "\x1b" in line:
            line = _ANSI.sub("", line)
        found: dict[str, str] = {}
        for pattern in self.patterns:
            match = pattern.search(line)
            if match:
                found.update({k: v for k, v in match.groupdict().items() if v is not None})
        metrics: dict[str, float] = {}
        if self.dict_lines:
            dict_pairs(line, found, self.metrics_map)
        if self.use_default:
            default_pairs(line, found)
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


@dataclass
class ScalarSetup:
    """What ``output_scalars`` = SPEC asks for: a parser, or ``auto`` (choose one from the output)."""

    parser: ScalarParser | None
    label: str  # shown by `fertui show`: a preset's name, "default", "pattern"
    scale: dict[str, float] = field(default_factory=dict)  # the presets' units; the job's own go on top
    metrics_csv: str = ""  # the CSV glob a preset brings
    auto: bool = False


def preset_parser(preset: Preset, metrics_map: dict[str, str] | None = None) -> ScalarParser:
    return ScalarParser(
        patterns=[re.compile(p) for p in preset.patterns],
        dict_lines=preset.dict_lines,
        metrics_map={**preset.metrics_map, **(metrics_map or {})},
    )


def default_parser(metrics_map: dict[str, str] | None = None) -> ScalarParser:
    return ScalarParser(use_default=True, metrics_map=dict(metrics_map or {}))


def resolve(spec: Any, metrics_map: dict[str, str] | None, default_on: bool) -> ScalarSetup | None:
    """The setup for ``output_scalars`` = SPEC; None when nothing is read from stdout.

    SPEC is validated already (``check_spec``): "auto", a preset name, a pattern, or a list.
    "auto" applies to command jobs only (DEFAULT_ON): the built-in jobs report through events.
    """
    if spec == "auto":
        return ScalarSetup(None, "auto", auto=True) if default_on else None
    items = [spec] if isinstance(spec, str) else list(spec)
    if not items or items in (["off"], ["none"]):
        return None
    parser = ScalarParser(use_default="default" in items)
    setup = ScalarSetup(parser, " + ".join(i if i in PRESETS or i == "default" else "pattern" for i in items))
    for item in items:
        preset = PRESETS.get(item)
        if preset:
            built = preset_parser(preset)
            parser.patterns += built.patterns
            parser.dict_lines = parser.dict_lines or built.dict_lines
            parser.metrics_map.update(built.metrics_map)
            setup.scale.update(preset.scale)
            setup.metrics_csv = setup.metrics_csv or preset.metrics_csv
        elif item != "default":
            parser.patterns.append(re.compile(item))
    parser.metrics_map.update(metrics_map or {})
    return setup


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
            return (
                f"[{i}]: {item!r} is not a preset{hint} nor a regular expression with a named group "
                f"such as (?P<val_acc>[\\d.]+); presets: {', '.join(PRESETS)}, default"
            )
    return None
