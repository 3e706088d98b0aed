"""Published results (configs/references.toml) shown beside the user's own best."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fertui.config.loader import read_toml
from fertui.errors import ConfigError
from fertui.metrics import DEFAULT_OBJECTIVE
from fertui.workspace import Workspace

FILE_NAME = "references.toml"
DISPLAY_NAMES = {"rafdb": "RAF-DB", "ferplus": "FERPlus", "affectnet": "AffectNet",
                 "synthetic": "Synthetic", "imagefolder": "ImageFolder"}

@dataclass
class Reference:
    method: str
    value: float
    note: str = ""

@dataclass
class ReferenceSet:
    dataset: str
    display: str
    metric: str
    rows: list[Reference]

def references_path(ws: Workspace) -> Path | None:
    """The workspace's configs/references.toml, else the one shipped in the repository."""
    for candidate in (ws.configs_dir / FILE_NAME, Path(__file__).resolve().parents[2] / "configs" / FILE_NAME):
        if candidate.is_file():
            return candidate
    return None

def display_name(ws: Workspace | None, dataset: str) -> str:
    if ws is not None:
        found = load_references(ws).get(dataset)
        if found is not None:
            return found.display
    return DISPLAY_NAMES.get(dataset, dataset or "data")

def load_references(ws: Workspace) -> dict[str, ReferenceSet]:
    path = references_path(ws)
    if path is None:
        return {}
    tree = read_toml(path)
    out = {}
    for dataset, table in tree.items():
        if not isinstance(table, dict):
            raise ConfigError(str(path), dataset, "expected a [dataset] table")
        rows = []
        for i, row in enumerate(table.get("rows", [])):
            value = row.get("value") if isinstance(row, dict) else None
            if not isinstance(row, dict) or not isinstance(row.get("method"), str) or \
                    isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(str(path), f"{dataset}.rows[{i}]",
                                  'expected { method = "NAME", value = NUMBER }')
            rows.append(Reference(row["method"], float(value), str(row.get("note", ""))))
        out[dataset] = ReferenceSet(dataset, str(table.get("display", DISPLAY_NAMES.get(dataset, dataset))),
                                    str(table.get("metric", DEFAULT_OBJECTIVE)), rows)
    return out

def references_for(ws: Workspace, dataset: str, metric: str) -> ReferenceSet | None:
    found = load_references(ws).get(dataset)
    return found if found is not None and found.metric == metric and found.rows else None
