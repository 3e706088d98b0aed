"""Each run as a <details> block: status, seed, cell, metrics, times and its resolved config.

[job.env] values may hold tokens, so they are left out unless the user asks for them; so are
the values of command arguments named like a secret (``--api-key X``, ``--hf-token=X``,
``WANDB_API_KEY=X``).
"""

from __future__ import annotations

import copy
import json
import re
import time
from html import escape

from fertui.config import compact
from fertui.sweeps.results import Observation

ENV_LEFT_OUT = "(left out of the report; --include-env shows it)"
SECRET_LEFT_OUT = "(left out)"
SECRET_PARTS = {"key", "apikey", "token", "secret", "password", "passwd", "pwd", "credentials", "auth"}
_NAME_PARTS = re.compile(r"[^a-z0-9]+")


def secret_name(name: str) -> bool:
    """``--api-key``, ``hf_token``, ``WANDB_API_KEY`` (not ``--keypoints``)."""
    return bool(SECRET_PARTS & set(_NAME_PARTS.split(name.lower())))


def redacted_command(command: list) -> list:
    """COMMAND with the values of secret-named arguments left out."""
    out, hide_next = [], False
    for arg in command:
        text = str(arg)
        if hide_next and not text.startswith("-"):
            out.append(SECRET_LEFT_OUT)
            hide_next = False
            continue
        hide_next = False
        name, sep, _ = text.partition("=")
        if sep and secret_name(name):
            out.append(f"{name}={SECRET_LEFT_OUT}")
        else:
            hide_next = text.startswith("-") and secret_name(text)
            out.append(arg)
    return out


def redacted_config(config: dict, include_env: bool) -> dict:
    """CONFIG with every [job.env] value and secret-named command argument replaced, unless INCLUDE_ENV."""
    job = config.get("job") or {}
    if include_env or not isinstance(job, dict):
        return config
    out = copy.deepcopy(config)
    if isinstance(job.get("env"), dict):
        out["job"]["env"] = {k: ENV_LEFT_OUT for k in out["job"]["env"]}
    if isinstance(job.get("command"), list):
        out["job"]["command"] = redacted_command(job["command"])
    return out


def config_text(config: dict) -> str:
    import tomli_w

    try:
        return tomli_w.dumps(config)
    except (TypeError, ValueError):  # a value TOML cannot hold: still readable as JSON
        return json.dumps(config, indent=2, default=str)


def _when(stamp) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp)) if isinstance(stamp, (int, float)) else "—"


def run_details(o: Observation, include_env: bool) -> str:
    run = o.run
    summary = run.get("summary") or {}
    cell = " ".join(f"{k}={compact(v)}" for k, v in o.cell.items())
    value = "—" if o.value is None else f"{o.value:.6g}"
    facts = [
        ("status", o.status),
        ("seed", str(o.seed)),
        ("cell", cell),
        ("objective", value),
        ("started", _when(run.get("started"))),
        ("ended", _when(run.get("ended"))),
    ]
    if o.pruned_epoch is not None:
        facts.append(("pruned at epoch", str(o.pruned_epoch)))
    if run.get("tags"):
        facts.append(("tags", " ".join(run["tags"])))
    for note in run.get("notes") or []:
        facts.append(("note", f"{_when(note.get('time'))}: {note.get('text', '')}"))
    for metric, best in sorted((summary.get("best") or {}).items()):
        facts.append((f"best {metric}", f"{best:.6g}" if isinstance(best, (int, float)) else str(best)))
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    config = config_text(redacted_config(run.get("config") or {}, include_env))
    return (
        f'<details class="run status-{escape(o.status)}" id="run-{escape(o.run_id)}">'
        f"<summary>{escape(o.run_id)} {escape(o.name)} · {escape(o.status)} · seed {o.seed} · {value}</summary>"
        f'<table class="facts">{rows}</table><h4>config</h4><pre>{escape(config)}</pre></details>'
    )


def runs_section(observations: list[Observation], include_env: bool) -> str:
    blocks = "".join(run_details(o, include_env) for o in sorted(observations, key=lambda o: o.run_id))
    return f'<h3>Runs</h3><div class="runs">{blocks}</div>'
