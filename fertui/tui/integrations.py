"""Optional parts of fertui the console drives (scheduler, sweeps), looked up lazily.

A screen whose module is missing says so instead of showing anything made up.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def optional_function(module_name: str, attr: str) -> Callable[..., Any] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # the module itself is not there (yet)
        raise
    return getattr(module, attr, None)


def require(module_name: str, attr: str, what: str) -> Callable[..., Any]:
    """The function, or NotAvailable naming WHAT is missing (shown as a notification)."""
    fn = optional_function(module_name, attr)
    if fn is None:
        raise NotAvailable(f"{what} not available ({module_name}.{attr} is missing)")
    return fn


class NotAvailable(Exception):
    pass


def control(attr: str) -> Callable[..., Any]:
    return require("fertui.scheduler.control", attr, "scheduler")
