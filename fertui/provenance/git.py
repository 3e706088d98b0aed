"""The state of the code a job runs: the git commit, whether tracked files differ from it (and
the diff), and the untracked source files, as one patch over the commit and a fingerprint.

Two git processes at most (``status``, then ``diff`` only when something differs), run with
GIT_OPTIONAL_LOCKS=0 so fertui never takes the repository's index lock from under the user.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

SOURCE_SUFFIXES = {
    ".py",
    ".pyx",
    ".pxd",
    ".sh",
    ".toml",
    ".yaml",
    ".yml",
    ".json",
    ".cfg",
    ".ini",
    ".c",
    ".cc",
    ".cpp",
    ".h",
    ".hpp",
    ".cu",
    ".cuh",
    ".txt",
    ".md",
}
MAX_UNTRACKED_FILE = 256 * 1024  # a bigger untracked file is listed, not copied into the patch
MAX_UNTRACKED_FILES = 200
GIT_TIMEOUT_S = 10.0


@dataclass
class CodeState:
    repo: str  # the repository's top folder
    commit: str  # HEAD, "" before the first commit
    branch: str
    dirty: bool  # tracked files differ from the commit (staged or not)
    changed: list[str] = field(default_factory=list)  # those tracked files
    untracked: list[str] = field(default_factory=list)  # untracked source files
    patch: str = ""  # the tracked diff, then the untracked source files as new files
    fingerprint: str = ""  # a short id of commit + patch: equal ids, equal code

    def summary(self) -> dict:
        """What the run document keeps (the patch itself stays in the run folder)."""
        return {k: v for k, v in asdict(self).items() if k != "patch"}


def repo_root(folder: Path) -> Path | None:
    """The top of the git work tree holding FOLDER (found without starting git), or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
        if candidate.name in ("site-packages", "dist-packages"):  # an installed package: no checkout above
            return None
    return None


def _git(root: Path, *args: str, stdin: str | None = None, env: dict | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), "-c", "core.quotepath=off", *args],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=GIT_TIMEOUT_S,
        env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", **(env or {})},
    )
    if result.returncode != 0:
        raise GitFailed(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"git {args[0]} failed")
    return result.stdout


class GitFailed(Exception):
    pass


def code_state(folder: Path) -> CodeState | None:
    """FOLDER's code state, or None outside a git work tree (or when git is missing or fails)."""
    root = repo_root(Path(folder).resolve())
    if root is None:
        return None
    try:
        untracked = "--untracked-files=" + ("no" if hides_untracked(root) else "all")
        status = _git(root, "status", "--porcelain=v2", "--branch", "--no-ahead-behind", untracked, "-z")
        state = _parse_status(root, status)
        tracked = (
            _git(root, "diff", "HEAD", "--no-color", "--no-ext-diff", "--binary")
            if state.dirty and state.commit
            else ""
        )
    except (OSError, subprocess.SubprocessError, GitFailed):
        return None
    state.patch = tracked + "".join(_new_file_hunk(root, name) for name in state.untracked)
    state.fingerprint = hashlib.sha256(f"{state.commit}\n{state.patch}".encode()).hexdigest()[:12]
    return state


def hides_untracked(root: Path) -> bool:
    """Whether the repository says ``status.showUntrackedFiles = no``, as a dotfiles repository at
    $HOME does: listing every untracked file there would scan the whole home folder."""
    try:
        config = (root / ".git" / "config").read_text(encoding="utf-8", errors="replace")
    except OSError:  # a worktree's .git is a file; its config is the main repository's
        return False
    return (
        re.search(r"^\s*showUntrackedFiles\s*=\s*(no|false|off|0)\s*$", config, re.MULTILINE | re.IGNORECASE)
        is not None
    )


def _parse_status(root: Path, text: str) -> CodeState:
    state = CodeState(repo=str(root), commit="", branch="", dirty=False)
    entries = iter(text.split("\0"))
    for entry in entries:
        if entry.startswith("# branch.oid "):
            oid = entry.split(" ", 2)[2]
            state.commit = "" if oid == "(initial)" else oid
        elif entry.startswith("# branch.head "):
            state.branch = entry.split(" ", 2)[2]
        elif entry[:2] in ("1 ", "u "):
            state.changed.append(entry.split(" ", 8 if entry[0] == "1" else 10)[-1])
        elif entry.startswith("2 "):
            state.changed.append(entry.split(" ", 9)[-1])
            next(entries, None)  # a rename's original path
        elif (
            entry.startswith("? ")
            and Path(entry[2:]).suffix in SOURCE_SUFFIXES
            and len(state.untracked) < MAX_UNTRACKED_FILES
        ):
            state.untracked.append(entry[2:])
    state.dirty = bool(state.changed)
    return state


def _new_file_hunk(root: Path, name: str) -> str:
    """NAME as a git "new file" diff, so the patch rebuilds the whole tree (git apply takes it)."""
    path = root / name
    try:
        if path.stat().st_size > MAX_UNTRACKED_FILE:
            return ""
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    lines = text.splitlines(keepends=True)
    body = "".join("+" + line for line in lines)
    if lines and not lines[-1].endswith("\n"):
        body += "\n\\ No newline at end of file\n"
    head = f"diff --git a/{name} b/{name}\nnew file mode 100644\n"
    return head + (f"--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,{len(lines)} @@\n{body}" if lines else "")


def diff_between(a: dict, patch_a: str, b: dict, patch_b: str) -> str:
    """The code diff from state A to state B (summaries as CodeState.summary gives them): each
    state rebuilt as a git tree in a scratch index (the repository is not touched), then diffed."""
    import tempfile  # only `fertui diff` needs it

    root = Path(b["repo"])
    trees = []
    with tempfile.TemporaryDirectory(prefix="fertui-diff-") as scratch:
        for n, (state, patch) in enumerate(((a, patch_a), (b, patch_b))):
            env = {"GIT_INDEX_FILE": os.path.join(scratch, f"index{n}")}
            _git(root, "read-tree", state["commit"], env=env)
            if patch:
                _git(root, "apply", "--cached", "--whitespace=nowarn", "-", stdin=patch, env=env)
            trees.append(_git(root, "write-tree", env=env).strip())
    return _git(root, "diff", "--no-color", "--no-ext-diff", trees[0], trees[1])
