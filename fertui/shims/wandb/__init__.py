"""``import wandb`` for jobs run with ``[job] wandb = "fertui"``: this folder's parent is put first on
the job's PYTHONPATH, so the script's W&B calls become fertui events with no code change.

The module replaces itself in sys.modules with fertui.wandb, so ``wandb.run`` and every other
attribute are that module's own (``wandb.plot`` too); W&B internals such as ``wandb.sdk`` do not exist.
"""

import sys

import fertui.wandb as _impl
import fertui.wandb.plot as _plot

sys.modules[__name__] = _impl
sys.modules[__name__ + ".plot"] = _plot
