"""The sweep a Leaderboard or Suggestions screen shows: cycled with `s` over the store's sweeps."""

from __future__ import annotations


def sweep_names(app) -> list[str]:
    names = [s.get("name") for s in app.snapshot.get("sweeps", {}).values() if s.get("name")]
    return sorted(set(names))


def next_sweep(app, current: str | None) -> str | None:
    names = sweep_names(app)
    if not names:
        return None
    if current not in names:
        return names[-1]
    return names[(names.index(current) + 1) % len(names)]
