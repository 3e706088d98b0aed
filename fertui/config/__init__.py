"""Experiment configs: schema, loading with inheritance and overrides, placeholders."""

from fertui.config.loader import RunConfig, config_from_command, flatten_free, load_config, parse_set
from fertui.config.template import compact, exact, render, sanitize_name

__all__ = [
    "RunConfig",
    "load_config",
    "config_from_command",
    "parse_set",
    "flatten_free",
    "compact",
    "exact",
    "render",
    "sanitize_name",
]
