"""The executor a workspace's ``[executor] kind`` names (local or Slurm): the factory sits above
the executors, so the interface (executor.py) never imports its implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fertui.scheduler.executor import Executor

if TYPE_CHECKING:
    from fertui.workspace import Workspace


def make_executor(workspace: Workspace) -> Executor:
    """The executor named by ``[executor] kind`` in the workspace's fertui.toml."""
    from fertui.errors import ConfigError

    kind = workspace.setting("executor", "kind")
    options = dict(workspace.settings.get("executor", {}))
    if kind == "local":
        from fertui.scheduler.local import LocalExecutor

        return LocalExecutor(options=options)
    if kind == "slurm":
        from fertui.scheduler.slurm import SlurmExecutor  # optional: only Slurm users need it

        return SlurmExecutor(options=options)
    raise ConfigError(
        str(workspace.root / "fertui.toml"), "executor.kind", f"unknown executor {kind!r}; expected 'local' or 'slurm'"
    )
