"""``import wandb`` for jobs run with ``[job] wandb = "fertui"``: this folder's parent is put first on
the job's PYTHONPATH, so the script's W&B calls become fertui events with no code change.

The module replaces itself in sys.modules with fertui.wandb, so ``wandb.run`` and every other
attribute are that module's own (``wandb.plot`` too). The parent folder also holds a
``wandb-*.dist-info``, so libraries that check the installed distribution before they import
(Lightning's WandbLogger: ``RequirementCache("wandb>=0.12.10")``) accept it, and the two W&B
internals Lightning imports by name (``wandb.sdk.lib.RunDisabled``, ``wandb.wandb_run.Run``) exist;
every other part of W&B's internals does not.
"""

import sys
import types

import fertui.wandb as _impl
import fertui.wandb.plot as _plot


class RunDisabled:
    """W&B's run of ``mode="disabled"``; fertui never makes one, it only has to exist."""


def _module(name: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


sys.modules[__name__] = _impl
sys.modules[__name__ + ".plot"] = _plot
sys.modules[__name__ + ".sdk"] = _module(__name__ + ".sdk")
sys.modules[__name__ + ".sdk.lib"] = _module(__name__ + ".sdk.lib", RunDisabled=RunDisabled)
sys.modules[__name__ + ".wandb_run"] = _module(__name__ + ".wandb_run", Run=_impl.Run)
