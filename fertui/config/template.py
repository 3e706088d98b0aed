"""``{dotted.key}`` placeholders in run names and external commands."""

from __future__ import annotations

import re
from typing import Any

from fertui.errors import ConfigError

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][\w.\-/]*)\}")  # {{ and }} are literal braces
# Known only once the run is queued: filled in at its start. run.resume: the checkpoint a resumed
# run starts from, "" on a fresh start (fertui/scheduler/resume.py).
LAUNCH_KEYS = ("run.id", "run.dir", "run.resume")
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.+=@-]+")


def compact(value: Any) -> str:
    """Short form for names: 2e-4, 1.8e-5, 8, True."""
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-2 or abs(value) >= 1e5):
            mantissa, exp = f"{value:.3e}".split("e")
            mantissa = mantissa.rstrip("0").rstrip(".")
            return f"{mantissa}e{int(exp)}"
        return f"{value:.4g}"
    return str(value)


def exact(value: Any) -> str:
    """Full-precision form for commands: the shortest text that reads back the same value."""
    return repr(value) if isinstance(value, float) else str(value)


def render(
    template: str,
    flat: dict[str, Any],
    source: str,
    key: str,
    fmt=compact,
    keep: tuple[str, ...] = (),
    unescape: bool = True,
) -> str:
    """TEMPLATE with its placeholders filled from FLAT; those named in KEEP are left as they are,
    and with UNESCAPE false so are ``{{``/``}}`` (for a second pass that fills KEEP)."""

    def sub(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)[0] if unescape else match.group(0)
        if name in keep:
            return match.group(0)
        if name not in flat:
            raise ConfigError(source, key, f"placeholder {{{name}}} names no config key")
        return fmt(flat[name])

    return PLACEHOLDER.sub(sub, template)


def sanitize_name(name: str) -> str:
    """A run name safe in any file name and shell: no slashes, no leading dots."""
    cleaned = SAFE_NAME.sub("_", name).strip("._") or "run"
    return cleaned[:120]
