"""The part of the Weights & Biases API that training scripts use, written as fertui events.

``import fertui.wandb as wandb`` (or plain ``import wandb`` with ``[job] wandb = "fertui"``, which
puts fertui/shims first on the job's path) and the script runs unchanged: ``init`` writes a
"wandb" event and the config as "params" events, ``log`` writes "log" events with W&B's step
rules, ``summary`` and ``define_metric`` write "summary" events, images and tables land under
the run folder as artifacts. Everything goes through fertui.report; nothing touches the network.
Standard library only: numpy and PIL are imported only to save an image.
"""

from __future__ import annotations

import atexit
import os
from typing import Any

from fertui.wandb import plot
from fertui.wandb._dicts import Config, Summary
from fertui.wandb._files import Artifact, copy_matches
from fertui.wandb._media import Audio, Histogram, Html, Image, Molecule, Object3D, Table, Video
from fertui.wandb._metrics import MetricDefinition
from fertui.wandb._run import Run, write_alert
from fertui.wandb._values import as_mapping, termlog, termwarn

__version__ = "0.19.0+fertui"  # the W&B API level this follows, for libraries that check it

__all__ = [
    "Artifact",
    "Audio",
    "Config",
    "Error",
    "Histogram",
    "Html",
    "Image",
    "MetricDefinition",
    "Molecule",
    "Object3D",
    "Run",
    "Settings",
    "Summary",
    "Table",
    "Video",
    "alert",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "log_artifact",
    "login",
    "plot",
    "run",
    "save",
    "summary",
    "termerror",
    "termlog",
    "termwarn",
    "unwatch",
    "watch",
]

# Like W&B's placeholders: usable before init(); the first run adopts them.
run: Run | None = None
config = Config()
summary = Summary()
_exit_hook_registered = False


class Error(Exception):
    """What W&B raises when a call needs a run and there is none."""


class Settings:
    def __init__(self, **kwargs: Any):
        self.__dict__.update(kwargs)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for mapping in args:
            self.__dict__.update(dict(mapping))
        self.__dict__.update(kwargs)


class AlertLevel:
    INFO, WARN, ERROR = "INFO", "WARN", "ERROR"


def init(
    project: str | None = None,
    name: str | None = None,
    config: Any = None,
    tags: Any = None,
    notes: str | None = None,
    reinit: Any = None,
    **ignored: Any,
) -> Run:
    """Start the run (or return the active one, unless REINIT); other W&B arguments are ignored."""
    global run, _exit_hook_registered
    if run is not None:
        if reinit not in (True, "finish_previous", "create_new"):
            return run
        run.finish()
    placeholders = globals()
    new = Run(
        project,
        name,
        placeholders["config"],
        placeholders["summary"],
        tags=tags,
        notes=notes,
        on_finish=_forget,
        **ignored,
    )
    if isinstance(config, (str, os.PathLike)):
        termwarn(f"fertui.wandb reads no config files: ignoring config={str(config)!r}")
    elif config is not None:
        new.config.update(as_mapping(config))
    run = new
    if not _exit_hook_registered:  # a script that forgets finish() still gets its summaries
        atexit.register(_finish_at_exit)
        _exit_hook_registered = True
    return new


def _forget(finished: Run) -> None:
    global run, config, summary
    if run is finished:
        run, config, summary = None, Config(), Summary()


def _finish_at_exit() -> None:
    if run is not None and run._pid == os.getpid():
        run.finish()


def _active(call: str) -> Run:
    if run is None:
        raise Error(f"You must call wandb.init() before wandb.{call}()")
    return run


def log(data: Any, step: int | None = None, commit: bool | None = None, sync: Any = None) -> None:
    _active("log").log(data, step=step, commit=commit)


def define_metric(
    name: str, step_metric: str | None = None, summary: str | None = None, goal: str | None = None, **ignored: Any
) -> MetricDefinition:
    return _active("define_metric").define_metric(name, step_metric=step_metric, summary=summary, goal=goal)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    if run is not None:
        run.finish(exit_code=exit_code, quiet=quiet)


def save(glob_str: Any = None, base_path: Any = None, policy: str = "live") -> bool:
    """Keep the files matching GLOB_STR as run artifacts (again at finish if they changed)."""
    if run is not None:
        return run.save(glob_str, base_path=base_path, policy=policy)
    if glob_str is not None:
        copy_matches(str(glob_str), {})
    return glob_str is not None


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None, **ignored: Any) -> Any:
    return _active("log_artifact").log_artifact(artifact_or_path, name=name, type=type)


def use_artifact(*args: Any, **kwargs: Any) -> Any:
    return _active("use_artifact").use_artifact(*args, **kwargs)


def alert(title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
    write_alert(title, text, level)


def termerror(message: str, **ignored: Any) -> None:
    termlog(f"ERROR {message}")


def login(*args: Any, **kwargs: Any) -> bool:
    return True


def watch(*args: Any, **kwargs: Any) -> None:
    return None


def unwatch(*args: Any, **kwargs: Any) -> None:
    return None


def setup(*args: Any, **kwargs: Any) -> None:
    return None


def teardown(*args: Any, **kwargs: Any) -> None:
    return None


def require(*args: Any, **kwargs: Any) -> None:
    return None


def mark_preempting() -> None:
    return None
