"""Tables that fit the terminal: which columns stay, how wide each is, and when to colour.

80 columns first (a default SSH terminal): columns drop out in order of importance, names are
shortened in the middle, and the id and the status never go. At 200 columns everything shows
in full. In a pipe nothing is cut, so ``grep`` and ``awk`` see every field.

Stdlib only: ``fertui ls`` writes its table without Rich (Rich's layout costs seconds at
thousands of rows); ``fertui run`` gives the same widths to its Rich tables.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from fertui.presentation import end_cut, middle_cut

GAP = 2  # spaces between columns
PIPE_WIDTH = 1000  # what Rich lays out for a pipe: wide enough that it cuts and folds nothing
ANSI_SGR = {
    "cyan": "36",
    "bold blue": "1;34",
    "green": "32",
    "bold red": "1;31",
    "bold magenta": "1;35",
    "red": "31",
    "yellow": "33",
    "dim": "2",
    "bold": "1",
    "bold green": "1;32",
}


@dataclass(frozen=True)
class Column:
    """KEY of the row dicts, its LABEL, its RANK (0 never drops; higher drops sooner), the
    narrowest it may get (MIN_WIDTH) and how it is cut: ``middle`` for names, ``end`` for
    the rest, ``never`` for ids and states."""

    key: str
    label: str
    rank: int = 1
    min_width: int = 0
    cut: str = "end"


@dataclass(frozen=True)
class Fitted:
    column: Column
    width: int


def terminal_width(stream: TextIO | None = None) -> int | None:
    """The width to fit: $COLUMNS when set, else the terminal's; None in a pipe (no limit)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = stream or sys.stdout
    if _isatty(stream):
        return shutil.get_terminal_size((80, 24)).columns
    return None


def rich_console(stream: TextIO | None = None, **options):
    """A Rich console sized like the plain tables: $COLUMNS, the terminal, or no limit in a pipe.
    Rich itself honours NO_COLOR."""
    from rich.console import Console  # Rich costs ~0.1 s to import: only for commands that draw with it

    if _isatty(stream or sys.stdout) and not os.environ.get("COLUMNS", "").isdigit():
        return Console(file=stream, **options)  # Rich follows the terminal as it is resized
    return Console(file=stream, width=terminal_width(stream) or PIPE_WIDTH, **options)


def use_colour(stream: TextIO | None = None) -> bool:
    """Colour only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream or sys.stdout)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


def fit(columns: Sequence[Column], rows: Sequence[dict[str, str]], width: int | None) -> list[Fitted]:
    """The columns that fit WIDTH and their widths; columns no row fills are left out."""
    natural = {c.key: max([len(c.label), *(len(r.get(c.key, "")) for r in rows)]) for c in columns}
    kept = [c for c in columns if c.rank == 0 or any(r.get(c.key) for r in rows)]
    if width is None:
        return [Fitted(c, natural[c.key]) for c in kept]

    def narrowest(c: Column) -> int:
        return natural[c.key] if c.cut == "never" else min(natural[c.key], max(c.min_width, len(c.label)))

    def total(cols: list[Column], size) -> int:
        return sum(size(c) for c in cols) + GAP * (len(cols) - 1)

    def end_cut(cols: list[Column]) -> list[Column]:
        """The columns whose ends would be cut to fit COLS: names (cut in the middle) give first."""
        excess = total(cols, lambda c: natural[c.key]) - width
        middle_room = sum(natural[c.key] - narrowest(c) for c in cols if c.cut == "middle")
        if excess <= middle_room:
            return []
        return [c for c in cols if c.cut == "end" and natural[c.key] > narrowest(c)]

    while any(c.rank for c in kept):
        if total(kept, narrowest) > width:
            droppable = [c for c in kept if c.rank]
        else:  # it fits, but a less important column may go so a more important one shows whole
            cut_short = end_cut(kept)
            droppable = [c for c in kept if c.rank and cut_short and all(c.rank > e.rank for e in cut_short)]
        if not droppable:
            break
        kept.remove(max(droppable, key=lambda c: (c.rank, kept.index(c))))
    widths = {c.key: natural[c.key] for c in kept}
    excess = total(kept, lambda c: widths[c.key]) - width
    for c in sorted((c for c in kept if c.cut != "never"), key=lambda c: (c.cut != "middle", -c.rank)):
        if excess <= 0:
            break
        give = min(excess, widths[c.key] - narrowest(c))
        widths[c.key] -= give
        excess -= give
    return [Fitted(c, widths[c.key]) for c in kept]


def relabel(columns: Sequence[Column], key: str, label: str) -> list[Column]:
    return [replace(c, label=label) if c.key == key else c for c in columns]


def cut(text: str, fitted: Fitted) -> str:
    if fitted.column.cut == "middle":
        return middle_cut(text, fitted.width)
    return text if fitted.column.cut == "never" else end_cut(text, fitted.width)


def plain_lines(
    fitted: Sequence[Fitted],
    rows: Sequence[dict[str, str]],
    styles: Sequence[dict[str, str]] = (),
    colour: bool = False,
) -> list[str]:
    """The header and ROWS as aligned lines; STYLES[i] maps a column key to a Rich-style name
    (``bold red``) shown as an ANSI colour when COLOUR."""
    lines = [_line(fitted, {f.column.key: f.column.label for f in fitted}, {}, False)]
    if colour:
        lines[0] = f"\x1b[1m{lines[0]}\x1b[0m"
    for i, row in enumerate(rows):
        lines.append(_line(fitted, row, styles[i] if i < len(styles) else {}, colour))
    return lines


def _line(fitted: Sequence[Fitted], row: dict[str, str], styles: dict[str, str], colour: bool) -> str:
    cells = []
    for f in fitted:
        cell = cut(row.get(f.column.key, ""), f).ljust(f.width)
        style = styles.get(f.column.key)
        if colour and style in ANSI_SGR:
            cell = f"\x1b[{ANSI_SGR[style]}m{cell}\x1b[0m"
        cells.append(cell)
    return (" " * GAP).join(cells).rstrip()


def column_blocks(widths: Sequence[int], budget: int | None, overhead: int = GAP) -> list[list[int]]:
    """Split columns 1.. of a table into blocks that fit BUDGET beside column 0, which every
    block repeats (a board with more LRs than the screen holds reads on below, never wraps).
    OVERHEAD: the space each column costs beyond its text (padding, rules)."""
    rest = list(range(1, len(widths)))
    if budget is None or not rest:
        return [rest]
    blocks: list[list[int]] = [[]]
    used = widths[0] + overhead
    for i in rest:
        if blocks[-1] and used + widths[i] + overhead > budget:
            blocks.append([])
            used = widths[0] + overhead
        blocks[-1].append(i)
        used += widths[i] + overhead
    return blocks
