"""Sweep axes: the values one dotted key takes, from a list or a small expression.

``"range(2, 10, 2)"`` (Python's range: the end is excluded), ``"linspace(0, 1, 5)"`` and
``"logspace(1e-5, 1e-3, per_decade=4)"`` (both ends included, rounded to 2 significant
digits like hand-made LR grids: 1e-5, 1.8e-5, 3.2e-5, 5.6e-5, 1e-4 ...).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from fertui.config.loader import check_value
from fertui.config.schema import field_for
from fertui.errors import ConfigError

AXIS_SYNTAX = '"range(a, b[, step])", "linspace(a, b, n)" or "logspace(a, b, per_decade=n)"'
MAX_AXIS_VALUES = 1000


def round_sig(value: float, digits: int = 2) -> float:
    """VALUE rounded to DIGITS significant digits (1.778e-5 -> 1.8e-5)."""
    return float(f"{value:.{digits - 1}e}") if value else 0.0


@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple
    log: bool = False  # ordered on a log scale: steps are ratios, Optuna sees log=True

    @property
    def ordered(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)

    @property
    def integer(self) -> bool:
        return self.ordered and all(isinstance(v, int) for v in self.values)

    def scaled(self, value: Any) -> float:
        """Position of VALUE on this axis' natural scale (log10 for log axes)."""
        return math.log10(value) if self.log else float(value)

    def sorted_values(self) -> list:
        return sorted(self.values) if self.ordered else list(self.values)

    def with_value(self, value: Any) -> Axis:
        if any(same_value(value, v) for v in self.values):
            return self
        values = [*self.values, value]
        return Axis(self.key, tuple(sorted(values) if self.ordered else values), self.log)

    def distribution(self):
        """The Optuna distribution that treats this axis as ordered when it is."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if not self.ordered:
            return CategoricalDistribution(list(self.values))
        lo, hi = min(self.values), max(self.values)
        if self.integer:
            return IntDistribution(lo, hi, log=self.log)
        return FloatDistribution(float(lo), float(hi), log=self.log)

    def to_doc(self) -> dict:
        return {"key": self.key, "values": list(self.values), "log": self.log}

    @classmethod
    def from_doc(cls, doc: dict) -> Axis:
        return cls(doc["key"], tuple(doc["values"]), bool(doc.get("log")))


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-15)
        except (TypeError, ValueError):
            return False
    return a == b and type(a) is type(b)


def parse_axis(source: str, key: str, raw: Any) -> Axis:
    """The axis KEY = RAW from a [sweep.axes] table, type-checked against the schema."""
    where = f"sweep.axes.{key}"
    if key == "run.seed":
        raise ConfigError(source, where, "use sweep.seeds = [0, 1, 2] for replicates")
    is_expr = isinstance(raw, str)
    values, log = _evaluate(source, where, raw) if is_expr else (list(raw), False)
    spec = field_for(key)
    if spec is not None:
        values = [check_value(source, f"{where}[{i}]", spec, v) for i, v in enumerate(values)]
    for i, v in enumerate(values):
        if isinstance(v, (list, dict)):
            raise ConfigError(source, f"{where}[{i}]", f"expected a number, string or boolean, got {v!r}")
    unique: list = []
    for v in values:
        if not any(same_value(v, u) for u in unique):
            unique.append(v)
    axis = Axis(key, tuple(unique))
    if not log and axis.ordered and len(unique) >= 2 and min(unique) > 0:
        log = max(unique) / min(unique) >= 10  # e.g. an LR list spanning a decade or more
    return Axis(key, tuple(unique), log and axis.ordered)


def _evaluate(source: str, where: str, text: str) -> tuple[list, bool]:
    def fail(why: str) -> ConfigError:
        return ConfigError(source, where, f"{why}; expected a list or {AXIS_SYNTAX}, got {text!r}")

    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise fail("not a valid expression") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise fail("not a range/linspace/logspace call")
    name = node.func.id
    args = [_number(a, fail) for a in node.args]
    kwargs = {k.arg: _number(k.value, fail) for k in node.keywords}
    if name == "range":
        values = _range(args, kwargs, fail)
        log = False
    elif name == "linspace":
        values, log = _linspace(args, kwargs, fail), False
    elif name == "logspace":
        values, log = _logspace(args, kwargs, fail), True
    else:
        raise fail(f"unknown function {name!r}")
    if not values:
        raise fail("the expression gives no values")
    if len(values) > MAX_AXIS_VALUES:
        raise fail(f"the expression gives {len(values)} values (at most {MAX_AXIS_VALUES})")
    return values, log


def _number(node: ast.AST, fail) -> float | int:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_number(node.operand, fail)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    raise fail("arguments must be plain numbers")


def _range(args: list, kwargs: dict, fail) -> list:
    if kwargs.keys() - {"step"} or not 1 <= len(args) <= 3 or (kwargs and len(args) != 2):
        raise fail("range takes (end), (start, end) or (start, end, step)")
    start, end, step = (
        (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) > 2 else kwargs.get("step", 1))
    )
    if step == 0:
        raise fail("range step must not be 0")
    if all(isinstance(v, int) for v in (start, end, step)):
        return list(range(start, end, step))[: MAX_AXIS_VALUES + 1]
    count = math.ceil((end - start) / step - 1e-9)
    return [round(start + i * step, 12) for i in range(max(0, min(count, MAX_AXIS_VALUES + 1)))]


def _linspace(args: list, kwargs: dict, fail) -> list:
    num = kwargs.get("num", args[2] if len(args) > 2 else None)
    if len(args) < 2 or num is None or kwargs.keys() - {"num"} or not float(num).is_integer() or num < 1:
        raise fail("linspace takes (start, end, n) with n a whole number >= 1")
    start, end, num = args[0], args[1], int(num)
    if num == 1:
        return [start]
    return [round(start + (end - start) * i / (num - 1), 12) for i in range(min(num, MAX_AXIS_VALUES + 1))]


def _logspace(args: list, kwargs: dict, fail) -> list:
    per_decade = kwargs.get("per_decade", args[2] if len(args) > 2 else None)
    if len(args) < 2 or per_decade is None or kwargs.keys() - {"per_decade"}:
        raise fail("logspace takes (start, end, per_decade=n)")
    start, end = args[0], args[1]
    if start <= 0 or end <= 0:
        raise fail("logspace bounds must be > 0")
    if per_decade <= 0:
        raise fail("per_decade must be > 0")
    lo, hi = sorted((math.log10(start), math.log10(end)))
    count = int(math.floor((hi - lo) * per_decade + 1e-9)) + 1
    values = [round_sig(10 ** (lo + i / per_decade)) for i in range(min(count, MAX_AXIS_VALUES + 1))]
    return values if start <= end else values[::-1]


def step_beyond(axis: Axis, value: Any, direction: int) -> Any | None:
    """The value one grid step past VALUE (an end of AXIS) in DIRECTION (+1 up, -1 down)."""
    ordered = axis.sorted_values()
    if not axis.ordered or len(ordered) < 2:
        return None
    a, b = (ordered[0], ordered[1]) if direction < 0 else (ordered[-1], ordered[-2])
    if axis.log:
        new = round_sig(value * (a / b))
        new = int(round(new)) if axis.integer else new
    else:
        new = value + (a - b)
        new = int(new) if axis.integer else round(new, 12)
    return new


def log_midpoint(a: float, b: float) -> float:
    return round_sig(math.sqrt(a * b))
