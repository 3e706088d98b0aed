"""A torn line in the Optuna journal (``runs/optuna.journal``): found before Optuna reads it, and
cut off by ``fertui store repair-journal``.

The journal is append-only JSON lines. A writer killed mid-append leaves half a line, and the next
append glues its own line to it: a line in the middle that is not JSON, on which Optuna's replay
raises ``JSONDecodeError`` in every command that opens a study. fertui checks the journal once per
process before Optuna opens it and stops with one line naming the repair. The repair keeps the
damaged journal beside it and keeps the lines before the first torn one; what the rest recorded
(a trial created, a value told) is put back by the next sync of each sweep's study with the store
(``fertui.sweeps.study.sync``, run by the daemon at start-up and by every ``fertui add``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from fertui.atomicio import atomic_file
from fertui.errors import UserError
from fertui.store_backup import set_aside


@dataclass
class JournalRepair:
    path: Path
    first_torn: int | None  # 1-based number of the first torn line (None: nothing to repair)
    dropped: int  # lines dropped: the torn one and every one after it
    kept_as: Path | None  # the damaged journal, set aside


def torn_lines(path: Path) -> list[int]:
    """Line numbers of PATH's complete lines that are not JSON (a last line with no newline is
    still being written: not torn)."""
    torn = []
    try:
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.endswith(b"\n"):
                    break
                try:
                    json.loads(line)
                except (ValueError, RecursionError):
                    torn.append(number)
    except FileNotFoundError:
        return []
    return torn


def check_journal(path: Path) -> None:
    torn = torn_lines(path)
    if torn:
        raise UserError(
            f"{path}: line {torn[0]} is not valid JSON (a write cut short{' and more' if len(torn) > 1 else ''}"
            "); `fertui store repair-journal` cuts it off there, keeping the file as it is beside it"
        )


def repair_journal(path: Path) -> JournalRepair:
    """Keep the lines before the first torn one. Not only the torn line goes: Optuna numbers trials
    in the order the journal creates them, so dropping one line from the middle would shift every
    later operation onto the wrong trial. What the later lines said, the study sync puts back."""
    torn = torn_lines(path)
    if not torn:
        return JournalRepair(path, None, 0, None)
    repaired = path.with_name(path.name + ".repaired")
    dropped = 0
    with open(path, "rb") as src, atomic_file(repaired, "wb") as out:
        for number, line in enumerate(src, 1):
            if number < torn[0]:
                out.write(line)
            else:
                dropped += 1
    kept = set_aside(path)
    repaired.replace(path)
    return JournalRepair(path, torn[0], dropped, kept)
