"""The model registry: ``@register_model`` entry points looked up by name (timm's shape)."""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable
from typing import Any

from fertui.errors import UserError

_model_entrypoints: dict[str, Callable[..., Any]] = {}


def register_model(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``fn`` under its function name; a different function of the same name wins, with a warning."""
    name = fn.__name__
    old = _model_entrypoints.get(name)
    # Re-importing the same module (a reload) is not a conflict; a second definition elsewhere is.
    if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
        warnings.warn(f"model {name!r} from {fn.__module__} overwrites the one from {old.__module__}", stacklevel=2)
    _model_entrypoints[name] = fn
    return fn


def list_models(pattern: str = "") -> list[str]:
    """Registered model names, sorted; ``pattern`` is a shell-style filter such as ``"clsfer_*"``."""
    import fnmatch

    names = sorted(_model_entrypoints)
    return [n for n in names if fnmatch.fnmatch(n, pattern)] if pattern else names


def is_model(name: str) -> bool:
    return name in _model_entrypoints


def model_entrypoint(name: str) -> Callable[..., Any]:
    if name not in _model_entrypoints:
        names = list_models()
        close = difflib.get_close_matches(name, names, n=4, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}?" if close else f"registered: {', '.join(names) or 'none'}"
        raise UserError(f"unknown model {name!r}; {hint} (`fertui models` lists them)")
    return _model_entrypoints[name]


def accepted_kwargs(name: str) -> set[str] | None:
    """Keyword names the entry point takes explicitly; None when it takes ``**kwargs`` (it checks them itself)."""
    params = inspect.signature(model_entrypoint(name)).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def create_model(name: str, **kwargs: Any):
    """Build a registered model; an unknown name or keyword is a one-line ``UserError``."""
    fn = model_entrypoint(name)
    accepted = accepted_kwargs(name)
    if accepted is not None:
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise UserError(
                f"model {name!r} takes no argument {unknown[0]!r}; it takes: {', '.join(sorted(accepted)) or 'nothing'}"
            )
    return fn(**kwargs)
