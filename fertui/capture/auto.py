"""``output_scalars = "auto"``: the job's own output chooses the preset that reads it.

Every preset and the default set read the first lines side by side, each into its own pending
events; none is written yet. The first one (presets before the default set) whose events hold
the objective is kept: its pending events are written, the others dropped, and from then on only
it reads. A non-finite loss decides at once, so a NaN stop never waits for a validation pass; so
do an output past its first epoch without the objective (so the scheduler can say, while the run
goes on, that the objective is missing), a long output without it and the run's end: the
candidate with the most events is then kept. The choice is written as a ``capture`` event, so ``fertui show`` can name
it and a restarted manager carries on with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fertui.capture.presets import PRESETS
from fertui.capture.scalars import ScalarParser, default_parser, preset_parser
from fertui.capture.sources import StdoutSource
from fertui.events import read_all
from fertui.metrics import DEFAULT_OBJECTIVE
from fertui.report import is_bad_loss

DEFAULT_LABEL = "default"
MAX_UNDECIDED = 200  # events one candidate may hold back before the most fruitful one is kept


@dataclass
class Candidate:
    label: str
    source: StdoutSource
    scale: dict[str, float] = field(default_factory=dict)
    metrics_csv: str = ""
    pending: list[dict] = field(default_factory=list)

    def has(self, metric: str) -> bool:
        return any(metric in e["metrics"] for e in self.pending)

    def has_bad_loss(self) -> bool:
        return any(is_bad_loss(k, v) for e in self.pending for k, v in e["metrics"].items())

    def past_first_epoch(self) -> bool:
        """It has read a later epoch than its first: validation, if any, has had its turn."""
        epochs = [e["epoch"] for e in self.pending if isinstance(e.get("epoch"), (int, float))]
        return bool(epochs) and max(epochs) >= epochs[0] + 1


class AutoStdoutSource:
    """A StdoutSource that reads with whichever preset (or the default set) fits the output."""

    key = "stdout"

    def __init__(
        self, path: Path, metrics_map: dict[str, str] | None = None, position: int = 0, chosen: str | None = None
    ):
        self.candidates = [
            Candidate(p.name, StdoutSource(path, preset_parser(p, metrics_map), position), dict(p.scale), p.metrics_csv)
            for p in PRESETS.values()
        ]
        self.candidates.append(Candidate(DEFAULT_LABEL, StdoutSource(path, default_parser(metrics_map), position)))
        self.chosen: Candidate | None = None
        if chosen is not None:
            self.chosen = next((c for c in self.candidates if c.label == chosen), None)
        self.objective = DEFAULT_OBJECTIVE
        self.final = False  # the run has ended: decide with what there is

    @property
    def parser(self) -> ScalarParser:
        """The chosen parser; the default set's while undecided (it stands down for reporting jobs)."""
        return (self.chosen or self.candidates[-1]).source.parser

    @property
    def offset(self) -> int:
        return self.chosen.source.offset if self.chosen else max(c.source.offset for c in self.candidates)

    @property
    def scale(self) -> dict[str, float]:
        return self.chosen.scale if self.chosen else {}

    @property
    def metrics_csv(self) -> str:
        return self.chosen.metrics_csv if self.chosen else ""

    def decide_by(self, objective: str | None, final: bool) -> None:
        self.objective, self.final = objective or DEFAULT_OBJECTIVE, final

    def position(self) -> int:
        return self.offset

    def scan_now(self) -> None:
        """One file, known from the start: nothing to look for."""

    def read(self, final: bool = False) -> list[dict]:
        self.final = self.final or final
        if self.chosen is not None:
            return self.chosen.source.read(final)
        for candidate in self.candidates:
            candidate.pending += candidate.source.read(final)
        pick = self._pick()
        if pick is None:
            return []
        self.chosen, events, pick.pending = pick, pick.pending, []
        for other in self.candidates:
            other.pending = []
        return [{"type": "capture", "src": self.key, "output_scalars": pick.label}, *events]

    def _pick(self) -> Candidate | None:
        for decides in (lambda c: c.has(self.objective), Candidate.has_bad_loss):
            found = next((c for c in self.candidates if decides(c)), None)
            if found is not None:
                return found
        most = max(self.candidates, key=lambda c: len(c.pending))  # the first of equals: presets first
        if most.pending and (
            self.final or len(most.pending) >= MAX_UNDECIDED or any(c.past_first_epoch() for c in self.candidates)
        ):
            return most  # so the ingest sees epochs without the objective and can say so while it runs
        return None


def previous_choice(captured: Path) -> str | None:
    """The choice a previous manager made for this run, from its ``capture`` event."""
    choice = None
    for event in read_all(captured):
        if event.get("type") == "capture" and isinstance(event.get("output_scalars"), str):
            choice = event["output_scalars"]
    return choice
