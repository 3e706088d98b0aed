"""Text made safe to show on a terminal: a job's `ESC]0;title`, `ESC[2J`, bell or 8-bit C1 control
(U+009D starts an OSC too) must not reach the user's terminal through `fertui show`, `fertui run`,
`fertui logs` or the console, nor a sweep name or axis value through a listing or a board."""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"  # OSC: window titles, hyperlinks, clipboard writes
    r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c|$)"  # DCS, PM, APC, SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, clears, colours (SGR ends in m)
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x9d\x90\x9e\x9f\x98][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"  # 8-bit OSC, DCS, PM, APC, SOS
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)  # C0 controls but tab, newline and CR; DEL; C1 controls
_COLOUR = re.compile(r"\x1b\[[0-9;]*m\Z")


def printable(text: str, keep_colour: bool = False) -> str:
    """TEXT without control sequences; \r redraws become lines. KEEP_COLOUR keeps SGR colours."""

    def sub(match: re.Match) -> str:
        return match.group(0) if keep_colour and _COLOUR.match(match.group(0)) else ""

    return _SEQUENCE.sub(sub, text.replace("\r\n", "\n").replace("\r", "\n"))


def inline(text: str) -> str:
    """TEXT (a name, a sweep, an axis value: anything a user or a job chose) safe to print as
    one cell or line of a table: no control sequence, no line break."""
    return printable(text).replace("\n", " ").replace("\t", " ")


def control_character(text: str) -> str | None:
    """The first character of TEXT that a terminal would act on (ESC, BEL, a C1 control...) as
    U+XXXX, or None; tab and newline are text."""
    for char in text:
        if (char < " " and char not in "\t\n") or "\x7f" <= char <= "\x9f":
            return f"U+{ord(char):04X}"
    return None
