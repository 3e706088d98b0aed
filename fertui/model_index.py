"""Registered model names without importing torch: an index of ``@register_model`` functions.

The model zoo (the top-level ``models`` package) imports torch and timm, which costs seconds;
``fertui add`` only needs the names, to refuse ``model.name = "clsfer_tiyn"`` at queue time.
The names are read from the files' syntax trees and cached in the user's cache folder, keyed
by each file's size and mtime, so a new or edited model file is seen on the next call.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

INDEX_VERSION = 1


@dataclass(frozen=True)
class ModelIndex:
    names: frozenset[str]
    # False when some file calls register_model in a way the syntax tree cannot name
    # (a loop, a factory): then an unknown name is left for the zoo itself to judge.
    complete: bool


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/fertui`` (default ``~/.cache/fertui``): per user, survives workspaces."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fertui"


def models_dir() -> Path | None:
    """The folder of the ``models`` package, found without running its ``__init__``."""
    try:
        spec = importlib.util.find_spec("models")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _model_files(folder: Path) -> list[Path]:
    # The package imports every module not starting with "_" (models/__init__.py).
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def _is_register_model(node) -> bool:
    import ast

    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Name) and target.id == "register_model") or (
        isinstance(target, ast.Attribute) and target.attr == "register_model"
    )


def names_in_source(text: str) -> tuple[set[str], bool]:
    """Model names a file registers, and whether every ``register_model`` use was understood."""
    import ast  # only when a model file changed: the cached index needs no parsing

    tree = ast.parse(text)
    names: set[str] = set()
    decorated: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                if _is_register_model(deco):
                    names.add(node.name)
                    decorated.add(id(deco))
    complete = True
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_register_model(node.func) and id(node) not in decorated:
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Name):  # register_model(my_fn): the function's own name
                names.add(arg.id)
            else:
                complete = False
    return names, complete


def _fingerprint(files: list[Path]) -> list[list]:
    out = []
    for path in files:
        st = path.stat()
        out.append([path.name, st.st_size, st.st_mtime_ns])
    return out


def load_index(folder: Path | None = None, cache_dir: Path | None = None) -> ModelIndex | None:
    """The index of FOLDER (default: the installed ``models`` package); None when there is none."""
    folder = folder or models_dir()
    if folder is None or not folder.is_dir():
        return None
    files = _model_files(folder)
    fingerprint = _fingerprint(files)
    cache = (cache_dir or user_cache_dir()) / "model-index.json"
    key = str(folder.resolve())
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        entry = cached.get(key) if cached.get("version") == INDEX_VERSION else None
    except (OSError, ValueError, AttributeError):
        cached, entry = {}, None
    if entry and entry.get("files") == fingerprint:
        return ModelIndex(frozenset(entry["names"]), bool(entry["complete"]))
    names: set[str] = set()
    complete = True
    for path in files:
        try:
            found, understood = names_in_source(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            found, understood = set(), False  # the zoo reports a broken file when it imports it
        names |= found
        complete = complete and understood
    index = ModelIndex(frozenset(names), complete)
    _save(cache, key, fingerprint, index, cached if isinstance(cached, dict) else {})
    return index


def _save(cache: Path, key: str, fingerprint: list, index: ModelIndex, cached: dict) -> None:
    from fertui.atomicio import atomic_write_text

    if cached.get("version") != INDEX_VERSION:
        cached = {"version": INDEX_VERSION}
    cached[key] = {"files": fingerprint, "names": sorted(index.names), "complete": index.complete}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache, json.dumps(cached, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only home: the index is rebuilt next time, which is only slower


def unknown_model_message(name: str, index: ModelIndex) -> str | None:
    """Why NAME is not a registered model (with a did-you-mean), or None when it is or may be."""
    if name in index.names or not index.complete:
        return None
    import difflib

    names = sorted(index.names)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"registered: {', '.join(names) or 'none'}"
    return f"unknown model {name!r}; {hint} (`fertui models` lists them)"


def zoo_fingerprint(folder: Path) -> str:
    """A hash of every file of the model package and of the torch/timm versions: what a
    parameter or GMAC count depends on. Any edit, even to a shared block, changes it."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for dist in ("torch", "timm"):
        digest.update(_installed_version(dist).encode() + b"\0")
    return digest.hexdigest()


def _installed_version(dist: str) -> str:
    # The dist-info folder's name holds the version; importlib.metadata would cost ~0.1 s to import.
    try:
        spec = importlib.util.find_spec(dist)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return f"{dist} absent"
    site = Path(spec.origin).parent.parent
    infos = sorted(p.name for p in site.glob(f"{dist}-*.dist-info"))
    if infos:
        return ",".join(infos)
    init = Path(spec.origin).stat()  # e.g. a source checkout: its __init__ stands for the version
    return f"{spec.origin}:{init.st_size}:{init.st_mtime_ns}"


def described_models(describe_all, folder: Path | None = None, cache_dir: Path | None = None) -> list[dict]:
    """``fertui models`` rows: from the cache when the zoo's files are unchanged, else from
    DESCRIBE_ALL (which imports torch and counts GMACs: seconds), then cached."""
    folder = folder or models_dir()
    if folder is None:
        return describe_all()
    cache = (cache_dir or user_cache_dir()) / "model-rows.json"
    key = zoo_fingerprint(folder)
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("version") == INDEX_VERSION and cached.get("key") == key:
            return cached["rows"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    rows = describe_all()
    from fertui.atomicio import atomic_write_text

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache, json.dumps({"version": INDEX_VERSION, "key": key, "rows": rows}))
    except (OSError, TypeError):  # a read-only home, or a user model's row that JSON cannot hold
        pass
    return rows
