"""Files a script hands to W&B: ``wandb.save(glob)`` and ``wandb.Artifact``; both become run artifacts."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from fertui import report


def keep_file(path: str | os.PathLike, kind: str = "file") -> None:
    """Register PATH as a run artifact, copying it in unless it already lies in the run folder."""
    src = Path(path).resolve()
    report.artifact(src, kind=kind, copy=not src.is_relative_to(report.run_dir().resolve()))


def copy_matches(pattern: str, seen: dict[str, float]) -> None:
    """Keep each file matching PATTERN that is new or changed since SEEN (path -> mtime) last saw it."""
    for path in sorted(glob.glob(pattern, recursive=True)):
        if not os.path.isfile(path):
            continue
        mtime = os.path.getmtime(path)
        if seen.get(path) != mtime:
            keep_file(path)
            seen[path] = mtime


class Artifact:
    """``wandb.Artifact(name, type)`` with files added; ``log_artifact`` keeps them as run artifacts."""

    def __init__(
        self,
        name: str,
        type: str = "file",
        description: str | None = None,
        metadata: dict | None = None,
        **ignored: Any,
    ):
        self.name = name
        self.type = type
        self.description = description
        self.metadata = dict(metadata or {})
        self.files: list[Path] = []

    def add_file(self, local_path: str | os.PathLike, name: str | None = None, **ignored: Any) -> None:
        self.files.append(Path(local_path))

    def add_dir(self, local_path: str | os.PathLike, name: str | None = None, **ignored: Any) -> None:
        self.files += sorted(p for p in Path(local_path).rglob("*") if p.is_file())

    def add_reference(self, uri: Any, name: str | None = None, **ignored: Any) -> None:
        pass  # a reference is a URL: nothing local to keep

    def save(self, *args: Any, **kwargs: Any) -> None:
        pass

    def wait(self, *args: Any, **kwargs: Any) -> Artifact:
        return self

    def keep(self) -> None:
        for path in self.files:
            keep_file(path, kind=self.type or "file")

    def __repr__(self) -> str:
        return f"<wandb.Artifact {self.name} ({self.type}, {len(self.files)} files)>"
