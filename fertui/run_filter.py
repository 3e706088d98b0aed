"""``ls --where 'val/acc > 85 and model.depth == 8'``: a small filter on runs, evaluated safely.

The expression is parsed with :mod:`ast` and only these nodes are evaluated: ``and``/``or``/
``not``, comparisons (``== != < <= > >= in not in``), numbers, strings, ``True``/``False``/
``None``, lists and tuples of those, and names. Nothing is called and no attribute of a Python
object is reached, so the text cannot run code.

A name is looked up on the run in this order: a run field (``status``, ``name``, ``sweep``,
``id``, ``tags``, ``kind``), a metric of its summary (its best value, as ``ls`` shows;
``val/acc``, ``train/loss``), a key of its resolved config (``model.depth``, ``optim.lr``,
``params.seed``). A run that lacks the name does not match a comparison with it.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from fertui.errors import UserError

RUN_FIELDS = ("status", "name", "sweep", "id", "tags", "kind")
# Metric names hold "/" (val/acc), which Python would read as a division: they become names first.
_SLASHED = re.compile(r"(?<![\w'\"])([A-Za-z_][\w.@-]*(?:/[\w.@-]+)+)")
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
MISSING = object()


def compile_where(text: str) -> Callable[[dict], bool]:
    """A predicate on run documents; UserError (one line) on anything outside the grammar."""
    names: dict[str, str] = {}

    def hide(match: re.Match) -> str:
        alias = f"_k{len(names)}"
        names[alias] = match.group(1)
        return alias

    if "__" in text:  # no key has a dunder; refuse what looks like reaching into Python
        raise UserError(f"--where: '__' is not allowed in {text!r}")
    source = _SLASHED.sub(hide, text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise UserError(
            f"--where: cannot read {text!r} ({exc.msg}); e.g. 'val/acc > 85 and model.depth == 8'"
        ) from None
    _check(tree.body, text)
    return lambda run: bool(_eval(tree.body, run, names))


def _check(node: ast.AST, text: str) -> None:
    allowed = (
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.USub,
        ast.Compare,
        ast.Name,
        ast.Load,
        ast.Attribute,
        ast.Constant,
        ast.List,
        ast.Tuple,
        *_COMPARE,
    )
    for child in ast.walk(node):
        if not isinstance(child, allowed):
            raise UserError(
                f"--where: {type(child).__name__.lower()} is not allowed in {text!r}; use names, "
                "numbers, strings, comparisons, and/or/not"
            )
        if (
            isinstance(child, ast.UnaryOp)
            and isinstance(child.op, ast.USub)
            and not isinstance(child.operand, ast.Constant)
        ):
            raise UserError(f"--where: '-' goes before a number only, in {text!r}")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    assert isinstance(node, ast.Attribute)
    return f"{_dotted(node.value)}.{node.attr}"


def _eval(node: ast.AST, run: dict, names: dict[str, str]) -> Any:
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, run, names) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, run, names)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Compare):
        left = _eval(node.left, run, names)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, run, names)
            if left is MISSING or right is MISSING:
                return False
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:  # e.g. a string against a number: no match, not an error per run
                return False
            left = right
        return True
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, run, names) for e in node.elts]
    key = _dotted(node)
    return lookup(run, names.get(key, key))


def lookup(run: dict, key: str) -> Any:
    """KEY's value for RUN (see the module docstring for the order), or MISSING."""
    if key in RUN_FIELDS:
        return run.get(key, [] if key == "tags" else MISSING)
    summary = run.get("summary") or {}
    for table in (summary.get("best") or {}, summary.get("values") or {}):
        if key in table:
            return table[key]
    node: Any = run.get("config") or {}
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            node = MISSING
            break
        node = node[part]
    if node is MISSING and key.startswith("params."):
        node = (run.get("params") or {}).get(key, MISSING)
    return node
