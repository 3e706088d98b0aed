"""Job output made safe to show on a terminal: a job's `ESC]0;title`, `ESC[2J` or bell must not
reach the user's terminal through `fertui show`, `fertui run`, `fertui logs` or the console."""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)"   # OSC: window titles, hyperlinks, clipboard writes
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\|$)"        # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"               # CSI: cursor moves, clears, colours (SGR ends in m)
    r"|\x1b[ -/]*[0-~]?"                      # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"                 # 8-bit CSI
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")     # C0 controls but tab, newline and carriage return
_COLOUR = re.compile(r"\x1b\[[0-9;]*m\Z")


def printable(text: str, keep_colour: bool = False) -> str:
    """TEXT without control sequences; \r redraws become lines. KEEP_COLOUR keeps SGR colours."""
    def sub(match: re.Match) -> str:
        return match.group(0) if keep_colour and _COLOUR.match(match.group(0)) else ""

    return _SEQUENCE.sub(sub, text.replace("\r\n", "\n").replace("\r", "\n"))
