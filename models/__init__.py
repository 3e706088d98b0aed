"""The fertui model zoo: a timm-style registry of FER models.

Importing the package imports every module in this folder, so a new file holding an
``@register_model`` function is usable from a config (``[model] name = "my_model"``)
without touching anything else.
"""

from __future__ import annotations

import importlib
import pkgutil

from fertui.errors import UserError
from models._registry import create_model, is_model, list_models, register_model


def _import_all_model_files() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except Exception as exc:  # a user's broken model file: say which one, in one line
            raise UserError(f"models/{info.name}.py failed to import: {type(exc).__name__}: {exc}") from exc


_import_all_model_files()

from models.factory import build_from_config  # noqa: E402 - after the registry is filled

__all__ = ["build_from_config", "create_model", "is_model", "list_models", "register_model"]
