"""Units on a board: accuracies printed as fractions beside published numbers in percent."""

from __future__ import annotations

import re

from fertui.sweeps.board import Board
from fertui.sweeps.references import ReferenceSet

_ACCURACY = re.compile(r"(?:^|_)b?acc(?:uracy)?$")


def fraction_warning(board: Board, refs: ReferenceSet | None) -> str | None:
    """One line when BOARD's ``*/acc`` values never exceed 1.0 in some runs while the references
    it is shown with are percentages; None when the units agree (or nothing is compared)."""
    if refs is None or not _ACCURACY.search(board.metric.rsplit("/", 1)[-1]):
        return None
    if not any(r.value > 1.0 for r in refs.rows):
        return None
    runs = sorted(
        {run for cell in board.cells.values() if cell.values and max(cell.values) <= 1.0 for run in cell.run_ids}
    )
    if not runs:
        return None
    shown = " ".join(runs[:8]) + (" …" if len(runs) > 8 else "")
    return (
        f"warning: {board.metric} never exceeds 1.0 in run(s) {shown} while the {refs.display} references "
        f'are in percent: set [job] metrics_scale = {{"{board.metric}" = 100}}, then '
        f"`fertui reingest {' '.join(runs)} --set 'job.metrics_scale={{\"{board.metric}\"=100}}'`"
    )
