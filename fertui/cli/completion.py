"""Shell completion of the values fertui knows: sweep names from the store, run states.

Completion runs on every TAB press, so it only reads (no lock, nothing created) and says
nothing when there is nothing to offer: a shell must never see a traceback.
"""

from __future__ import annotations

import typer

from fertui.errors import UserError
from fertui.store import RUN_STATES


def sweep_names(ctx: typer.Context, incomplete: str) -> list[str]:
    from fertui.cli.common import workspace  # common imports the workspace machinery: only on TAB
    from fertui.store import Store

    try:
        store_path = workspace(ctx).store_path
        if not store_path.exists():  # not a workspace (yet): offer nothing rather than make one
            return []
        names = {doc.get("name", "") for doc in Store(store_path).sweeps()}
    except (OSError, UserError, ValueError):  # an unreadable or missing workspace: nothing to offer
        return []
    return sorted(n for n in names if n.startswith(incomplete))


def run_states(incomplete: str) -> list[str]:
    return [state for state in RUN_STATES if state.startswith(incomplete)]
