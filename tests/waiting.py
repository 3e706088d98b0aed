"""Waiting on real processes: poll a condition with a deadline, never a fixed sleep."""

import time


def wait_for(condition, timeout: float = 60.0, what: str = "condition", interval: float = 0.05):
    """Poll CONDITION until it returns something truthy (and return that); fail after TIMEOUT s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
