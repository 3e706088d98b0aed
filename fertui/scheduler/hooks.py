"""The sweep lifecycle hooks the scheduler calls (fertui.sweeps.lifecycle), kept from hurting it.

Imported lazily (Optuna is heavy). A hook that raises is logged to runs/daemon.log and counts as
"no answer"; it never stops the scheduler.
"""

from __future__ import annotations

import importlib
import logging

from fertui.errors import UserError
from fertui.workspace import Workspace

log = logging.getLogger("fertui.scheduler")


class SweepHooks:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self.module = None  # None: not imported yet; False: not available

    def call(self, name: str, *args):
        """fertui.sweeps.lifecycle.NAME(ws, *args), or None if unavailable or it failed."""
        if self.module is None:
            try:
                self.module = importlib.import_module("fertui.sweeps.lifecycle")
            except Exception:
                log.exception("sweep hooks cannot be imported")
                self.module = False
        if not self.module:
            return None
        try:
            return getattr(self.module, name)(self.ws, *args)
        except (UserError, ValueError) as exc:  # a torn Optuna journal (JSONDecodeError is a ValueError)
            log.warning("sweep hook %s for run %s: %s", name, args[0].get("id") if args else "?", exc)
            return None
        except Exception:
            log.exception("sweep hook %s failed for run %s", name, args[0].get("id") if args else "?")
            return None
