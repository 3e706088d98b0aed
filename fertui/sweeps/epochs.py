"""Which epoch's value a comparison reads (``compare --epoch``).

``best`` (the default, what every board shows) is each run's best validation value — the best
epoch chosen on the very set it is scored on, so it is optimistic. ``last`` is the final
validation, ``mean-last-K`` the mean of the last K: neither is picked by the test set.
Read from the run's events (validation logs, by epoch), so it works for any job that logs the
metric once per epoch.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace

from fertui.errors import UserError
from fertui.records import EventKind, event_kind
from fertui.sweeps.results import Observation
from fertui.workspace import Workspace

_MEAN_LAST = re.compile(r"mean-last-([1-9][0-9]*)")


@dataclass(frozen=True)
class EpochRule:
    kind: str  # "best" | "last" | "mean-last"
    k: int = 1

    @property
    def label(self) -> str:
        return f"mean-last-{self.k}" if self.kind == "mean-last" else self.kind

    @property
    def predictions(self) -> str | None:
        """Which stored per-image predictions match this rule (None: no single epoch does)."""
        return {"best": "best", "last": "last"}.get(self.kind)


def parse_epoch(text: str) -> EpochRule:
    if text in ("best", "last"):
        return EpochRule(text)
    found = _MEAN_LAST.fullmatch(text)
    if found:
        return EpochRule("mean-last", int(found.group(1)))
    raise UserError(f"--epoch: expected best, last or mean-last-K (K a whole number >= 1), got {text!r}")


def epoch_series(ws: Workspace, run_id: str, metric: str) -> list[float]:
    """METRIC at each validation, in epoch order (a repeated epoch keeps its last value)."""
    from fertui.events import read_run_events

    by_epoch: dict[int, float] = {}
    for e in read_run_events(ws.run_dir(run_id)):
        metrics = e.get("metrics") if event_kind(e) is EventKind.LOG else None
        if isinstance(metrics, dict) and metric in metrics and isinstance(e.get("epoch"), int):
            by_epoch[e["epoch"]] = float(metrics[metric])
    return [by_epoch[k] for k in sorted(by_epoch)]


def epoch_values(ws: Workspace, observations: list[Observation], metric: str, rule: EpochRule) -> list[Observation]:
    """OBSERVATIONS with each finished run's value read by RULE (unchanged for ``best``); a run
    without per-epoch values of METRIC is left out rather than mixed in with its best value."""
    if rule.kind == "best":
        return observations
    out = []
    for o in observations:
        if o.value is None:
            out.append(o)
            continue
        series = epoch_series(ws, o.run_id, metric)
        if not series:
            out.append(replace(o, value=None))
            continue
        value = series[-1] if rule.kind == "last" else statistics.fmean(series[-rule.k :])
        out.append(replace(o, value=value))
    return out
