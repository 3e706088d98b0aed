"""``wandb.plot.*`` charts: accepted so scripts run, skipped when logged (one warning per run)."""

from __future__ import annotations

from typing import Any

from fertui.wandb._media import Media


class CustomChart(Media):
    pass


def _chart(*args: Any, **kwargs: Any) -> CustomChart:
    return CustomChart(*args, **kwargs)


line = scatter = bar = histogram = line_series = _chart
confusion_matrix = pr_curve = roc_curve = plot_table = _chart
