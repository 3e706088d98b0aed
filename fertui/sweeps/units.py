"""Units on a board: accuracies printed as fractions beside published numbers in percent.

One warning for every view that sets a sweep's numbers beside the references (the pivot and
isolation boards, the exported board and the paper's table): the cells differ, the rule not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fertui.sweeps.board import Board
from fertui.sweeps.cells import CellStats
from fertui.sweeps.references import ReferenceSet

_ACCURACY = re.compile(r"(?:^|_)b?acc(?:uracy)?$")


def fraction_warning(board: Board, refs: ReferenceSet | None) -> str | None:
    """The warning of :func:`cells_fraction_warning` for the cells BOARD shows."""
    return cells_fraction_warning(board.metric, board.cells.values(), refs)


def cells_fraction_warning(metric: str, cells: Iterable[CellStats | None], refs: ReferenceSet | None) -> str | None:
    """One line when METRIC is a ``*/acc`` whose values never exceed 1.0 in some of CELLS' runs
    while the references they are shown with are percentages; None when the units agree (or
    nothing is compared)."""
    if refs is None or not _ACCURACY.search(metric.rsplit("/", 1)[-1]):
        return None
    if not any(r.value > 1.0 for r in refs.rows):
        return None
    runs = sorted({run for cell in cells if cell and cell.values and max(cell.values) <= 1.0 for run in cell.run_ids})
    if not runs:
        return None
    shown = " ".join(runs[:8]) + (" …" if len(runs) > 8 else "")
    return (
        f"warning: {metric} never exceeds 1.0 in run(s) {shown} while the {refs.display} references "
        f'are in percent: set [job] metrics_scale = {{"{metric}" = 100}}, then '
        f"`fertui reingest {' '.join(runs)} --set 'job.metrics_scale={{\"{metric}\"=100}}'`"
    )
