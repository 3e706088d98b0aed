"""``wandb.Run``: W&B's step semantics on top of fertui.report.

W&B keeps one open history row: ``log()`` adds to it and, unless ``commit=False`` (or an explicit
``step=`` without ``commit=True``), writes it and moves to the next step. A row becomes one
``report.log`` event at its step; its "epoch" key, if any, is also the event's epoch.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from fertui import report
from fertui.records import EventKind
from fertui.wandb._dicts import Config, Summary
from fertui.wandb._files import Artifact, copy_matches, keep_file
from fertui.wandb._media import MediaWriter
from fertui.wandb._metrics import MetricDefinition, MetricTracker
from fertui.wandb._values import WarnOnce, flatten, to_number


class Run:
    def __init__(
        self,
        project: str | None,
        name: str | None,
        config: Config,
        summary: Summary,
        tags: Any = None,
        notes: str | None = None,
        on_finish: Callable[[Run], None] | None = None,
        **settings: Any,
    ):
        self.id = os.environ.get("FERTUI_RUN_ID") or uuid.uuid4().hex[:8]
        self.project = project
        self.config = config
        self.summary = summary
        self._name = name
        self._tags = tuple(str(t) for t in (tags or ()))
        self._notes = notes
        self.url = None
        self.entity, self.group, self.job_type = settings.get("entity"), settings.get("group"), settings.get("job_type")
        self.resumed = False
        self.offline = self.disabled = False
        self._on_finish = on_finish
        self._pid = os.getpid()  # a forked child inherits the run but must not finish it
        self._lock = threading.RLock()
        self._warn = WarnOnce()
        self._media = MediaWriter(self._warn)
        self._metrics = MetricTracker()
        self._saved: dict[str, dict[str, float]] = {}
        self._step = 0
        self._row: dict[str, Any] = {}
        self._finished = False
        self._announce()

    # -- identity ---------------------------------------------------------------------------
    def _announce(self) -> None:
        report.event(
            EventKind.WANDB,
            project=_text(self.project),
            name=_text(self._name),
            tags=list(self._tags),
            notes=_text(self._notes),
        )

    @property
    def name(self) -> str:
        return self._name or os.environ.get("FERTUI_RUN_NAME") or self.id

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        self._announce()

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        self._tags = tuple(str(t) for t in (value or ()))
        self._announce()

    @property
    def notes(self) -> str | None:
        return self._notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        self._notes = value
        self._announce()

    @property
    def dir(self) -> str:
        return str(report.run_dir())

    @property
    def step(self) -> int:
        return self._step

    def get_url(self) -> None:
        return None

    # -- history ----------------------------------------------------------------------------
    def log(self, data: Mapping, step: int | None = None, commit: bool | None = None, sync: Any = None) -> None:
        if not isinstance(data, Mapping):
            raise ValueError("wandb.log must be passed a dictionary")
        with self._lock:
            if self._finished:
                self._warn("finished", f"run {self.id} is finished: ignoring log()")
                return
            if step is not None:
                step = int(step)
                if step < self._step:
                    self._warn(
                        "old-step",
                        f"ignoring log() at step {step}: lower than the current step "
                        f"{self._step} (W&B drops these too)",
                    )
                    return
                if step > self._step:
                    self._commit()
                    self._step = step
            for key, value in flatten(data, "/"):
                number = to_number(value)
                if number is not None:
                    self._row[key] = number
                else:
                    self._media.write(key, value, self._step)
            if commit or (commit is None and step is None):
                self._commit()

    def _commit(self) -> None:
        row, self._row = self._row, {}
        if row:
            epoch = row.get("epoch")
            report.log(row, step=self._step, epoch=epoch)
            self._metrics.observe(row)
            self.summary.remember(row)
        self._step += 1

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        summary: str | None = None,
        goal: str | None = None,
        **ignored: Any,
    ) -> MetricDefinition:
        with self._lock:
            return self._metrics.define(MetricDefinition(name, step_metric=step_metric, summary=summary, goal=goal))

    # -- files and alerts -------------------------------------------------------------------
    def save(self, glob_str: Any = None, base_path: Any = None, policy: str = "live") -> bool:
        if glob_str is None:
            return False
        with self._lock:
            seen = self._saved.setdefault(str(glob_str), {})
            if policy != "end":
                copy_matches(str(glob_str), seen)
        return True

    def log_artifact(
        self, artifact_or_path: Any, name: str | None = None, type: str | None = None, **ignored: Any
    ) -> Any:
        if isinstance(artifact_or_path, Artifact):
            artifact_or_path.keep()
        else:
            keep_file(artifact_or_path, kind=type or "file")
        return artifact_or_path

    def use_artifact(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("fertui.wandb cannot download W&B artifacts: read the file from disk instead")

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        write_alert(title, text, level)

    def watch(self, *args: Any, **kwargs: Any) -> None:
        pass

    def unwatch(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log_code(self, *args: Any, **kwargs: Any) -> None:
        pass

    def mark_preempting(self) -> None:
        pass

    # -- ending -----------------------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        with self._lock:
            if self._finished:
                return
            if self._row:
                self._commit()
            for pattern, seen in self._saved.items():
                copy_matches(pattern, seen)
            explicit = self.summary.explicit()
            values = {k: v for k, v in self._metrics.summaries().items() if k not in explicit}
            if values:
                report.summary(**values)
                self.summary.remember(values)
            self._finished = True
            report.close()
        if self._on_finish is not None:
            self._on_finish(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        self.finish(exit_code=1 if exc_type else 0)
        return False

    def __repr__(self) -> str:
        return f"<wandb Run {self.id} ({self.name})>"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def write_alert(title: Any, text: Any, level: Any = None) -> None:
    level = getattr(level, "value", level)
    report.event(EventKind.ALERT, title=str(title), text=str(text), level=str(level or "INFO"))
