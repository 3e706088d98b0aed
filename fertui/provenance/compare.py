"""Two runs side by side (``fertui diff A B``): config, provenance, code and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fertui.config.loader import flatten_free
from fertui.provenance.git import GitFailed, diff_between
from fertui.provenance.record import FOLDER, read_record

ENVIRONMENT_FIELDS = ("host", "python", "interpreter", "torch", "cuda", "cudnn", "gpus")
CODE_FIELDS = ("repo", "commit", "branch", "dirty", "fingerprint")


@dataclass
class Change:
    key: str
    a: Any
    b: Any


@dataclass
class RunDiff:
    a: str
    b: str
    config: list[Change] = field(default_factory=list)
    provenance: list[Change] = field(default_factory=list)
    packages: list[Change] = field(default_factory=list)
    code: str = ""  # the unified diff from A's code to B's
    code_note: str = ""  # or why there is none
    results: list[Change] = field(default_factory=list)


def changes(a: dict, b: dict, keys=None) -> list[Change]:
    keys = keys or sorted({*a, *b})
    return [Change(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def diff_runs(run_a: dict, dir_a: Path, run_b: dict, dir_b: Path) -> RunDiff:
    out = RunDiff(run_a["id"], run_b["id"])
    out.config = changes(flatten_free(run_a.get("config") or {}), flatten_free(run_b.get("config") or {}))
    _, rec_a, patch_a = read_record(dir_a)
    _, rec_b, patch_b = read_record(dir_b)
    code_a, code_b = rec_a.get("code") or {}, rec_b.get("code") or {}
    env_a, env_b = rec_a.get("environment") or {}, rec_b.get("environment") or {}
    out.provenance = changes(code_a, code_b, CODE_FIELDS) + changes(env_a, env_b, ENVIRONMENT_FIELDS)
    out.packages = changes(env_a.get("packages") or {}, env_b.get("packages") or {})
    out.code, out.code_note = _code_diff(code_a, patch_a, rec_a, code_b, patch_b, rec_b, dir_a, dir_b)
    out.results = _results(run_a, run_b)
    return out


def _code_diff(
    a: dict, patch_a: str, rec_a: dict, b: dict, patch_b: str, rec_b: dict, dir_a: Path, dir_b: Path
) -> tuple[str, str]:
    if not a or not b:
        missing = " and ".join(folder.name for folder, code in ((dir_a, a), (dir_b, b)) if not code)
        return "", f"no code state recorded for {missing} (not a git repository?)"
    if a["fingerprint"] == b["fingerprint"]:
        return "", f"the same code ({a['fingerprint']})"
    if a["repo"] != b["repo"]:
        return "", f"different repositories ({a['repo']}, {b['repo']})"
    if rec_a.get("patch_cut_at_bytes") or rec_b.get("patch_cut_at_bytes"):
        return "", f"a recorded patch was cut at its size cap: compare {dir_a / FOLDER} and {dir_b / FOLDER}"
    try:
        return diff_between(a, patch_a, b, patch_b), ""
    except (GitFailed, OSError) as exc:
        return "", (
            f"cannot rebuild the two code states in {b['repo']} ({exc}); the recorded patches are in "
            f"{dir_a / FOLDER} and {dir_b / FOLDER}"
        )


def _results(a: dict, b: dict) -> list[Change]:
    sa, sb = a.get("summary") or {}, b.get("summary") or {}
    flat_a = {
        "status": a.get("status"),
        **{f"best {k}": v for k, v in (sa.get("best") or {}).items()},
        **{f"value {k}": v for k, v in (sa.get("values") or {}).items()},
    }
    flat_b = {
        "status": b.get("status"),
        **{f"best {k}": v for k, v in (sb.get("best") or {}).items()},
        **{f"value {k}": v for k, v in (sb.get("values") or {}).items()},
    }
    return changes(flat_a, flat_b)
