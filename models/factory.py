"""Config ``[model]`` section -> model: the one entry point the trainer and benchmark use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fertui.errors import UserError
from models._registry import accepted_kwargs, create_model


def build_from_config(model_section: dict[str, Any]):
    """Build ``model_section["name"]`` with the other keys of ``[model]`` as keyword arguments.

    A model file that takes explicit keywords (no ``**kwargs``) only gets those; a key it does
    not take is an error when the config sets it to something other than the schema default,
    so a setting is never silently dropped.
    """
    from fertui.config.schema import SCHEMA

    section = dict(model_section)
    name = section.pop("name", None)
    if not name:
        raise UserError("model.name: expected a registered model name (see `fertui models`)")
    pretrained = section.get("pretrained") or ""
    if pretrained and not Path(pretrained).expanduser().is_file():
        raise UserError(f"model.pretrained: checkpoint file not found: {pretrained}")
    if pretrained:
        section["pretrained"] = str(Path(pretrained).expanduser())
    accepted = accepted_kwargs(name)
    if accepted is not None:
        schema = SCHEMA["model"]
        for key in sorted(set(section) - accepted):
            default = schema[key].default if key in schema else None
            if section[key] != default:
                raise UserError(
                    f"model.{key}: model {name!r} does not take {key!r} "
                    f"(it takes: {', '.join(sorted(accepted)) or 'nothing'})"
                )
            del section[key]
    return create_model(name, **section)
