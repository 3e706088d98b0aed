"""Provenance for people: the rows ``fertui show`` prints and the note ``fertui retry`` gives."""

from __future__ import annotations

import json
from pathlib import Path

from fertui.provenance.record import FOLDER, read_record


def code_text(code: dict | None) -> str:
    """``3f2a9c1e07 (main), 1 file changed, 2 untracked`` for a code summary; "" for none."""
    if not code:
        return ""
    parts = [(code.get("commit") or "no commit yet")[:10] + (f" ({code['branch']})" if code.get("branch") else "")]
    if code.get("changed"):
        n = len(code["changed"])
        parts.append(f"{n} file{'s' if n != 1 else ''} changed")
    if code.get("untracked"):
        parts.append(f"{len(code['untracked'])} untracked")
    if not code.get("dirty") and not code.get("untracked"):
        parts.append("clean")
    return ", ".join(parts)


def provenance_rows(run_dir: Path) -> list[tuple[str, str]]:
    """(label, text) rows: the code the run started with (or was queued with), and its environment."""
    stage, record, patch = read_record(run_dir)
    if not stage:
        return []
    rows = []
    code = record.get("code")
    if code:
        rows.append(("code" if stage == "started" else "queued code", f"{code_text(code)} · {code['fingerprint']}"))
        rows.append(("repository", code["repo"]))
        if patch:
            cut = f", cut at {record['patch_cut_at_bytes']} bytes" if record.get("patch_cut_at_bytes") else ""
            rows.append(("code diff", f"{run_dir / FOLDER / (stage + '.diff')} ({patch.count(chr(10))} lines{cut})"))
        queued = _queued_fingerprint(run_dir)
        if stage == "started" and queued and queued != code["fingerprint"]:
            rows.append(("code changed", f"between queueing ({queued}) and start ({code['fingerprint']})"))
    else:
        rows.append(("code", "not in a git repository"))
    env = record.get("environment") or {}
    if env:
        rows.append(("host", env.get("host", "")))
        if env.get("python"):
            packages = len(env.get("packages") or {})
            rows.append(("python", f"{env['python']} ({env.get('interpreter', '')}), {packages} packages"))
        if env.get("torch"):
            rows.append(
                (
                    "torch",
                    " · ".join(
                        filter(
                            None,
                            [
                                env["torch"],
                                env.get("cuda") and f"CUDA {env['cuda']}",
                                env.get("cudnn") and f"cuDNN {env['cudnn']}",
                            ],
                        )
                    ),
                )
            )
        if env.get("gpus"):
            rows.append(("gpus", ", ".join(env["gpus"])))
    return rows


def _queued_fingerprint(run_dir: Path) -> str:
    try:
        record = json.loads((run_dir / FOLDER / "queued.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return (record.get("code") or {}).get("fingerprint") or ""


def code_change_note(old: dict, new: dict) -> str:
    """What `fertui retry` says when NEW (just queued) has other code than OLD ran with; "" if the same."""
    before, after = old.get("code") or {}, new.get("code") or {}
    if not before.get("fingerprint") or not after.get("fingerprint") or before["fingerprint"] == after["fingerprint"]:
        return ""
    return (
        f"the code changed since {old['id']} ran: {code_text(before)} -> {code_text(after)}; "
        f"`fertui diff {old['id']} {new['id']}` shows how"
    )


def diff_lines(diff) -> list[str]:
    """`fertui diff` as text: each section lists what differs, A's value -> B's."""
    lines = [f"fertui diff {diff.a} {diff.b}"]
    for title, items in (("config", diff.config), ("provenance", diff.provenance), ("packages", diff.packages)):
        lines.append(f"\n{title}:" + ("" if items else " the same"))
        lines += [f"  {c.key}: {_value(c.a)} -> {_value(c.b)}" for c in items]
    lines.append("\ncode:" + (f" {diff.code_note}" if diff.code_note else ""))
    if diff.code:
        lines += ["  " + line if line else "" for line in diff.code.rstrip("\n").splitlines()]
    lines.append("\nresults:" + ("" if diff.results else " the same"))
    lines += [f"  {c.key}: {_value(c.a)} -> {_value(c.b)}" for c in diff.results]
    return lines


def _value(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)
