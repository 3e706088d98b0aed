"""Published results (configs/references.toml) shown beside the user's own best."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fertui.config.loader import read_toml
from fertui.errors import ConfigError
from fertui.metrics import DEFAULT_OBJECTIVE
from fertui.workspace import Workspace

FILE_NAME = "references.toml"
DISPLAY_NAMES = {
    "rafdb": "RAF-DB",
    "ferplus": "FERPlus",
    "affectnet": "AffectNet",
    "synthetic": "Synthetic",
    "imagefolder": "ImageFolder",
}

TEXT_FIELDS = ("note", "key", "source", "venue", "pretraining", "code", "split", "metric_text")
NUMBER_FIELDS = ("params_m", "gmacs")


@dataclass
class Reference:
    method: str
    value: float
    note: str = ""
    key: str = ""  # BibTeX key, for \cite{} in the paper table
    source: str = ""  # arXiv id and/or DOI
    venue: str = ""
    year: int | None = None
    pretraining: str = ""
    code: str = ""
    split: str = ""  # empty: the dataset table's
    metric_text: str = ""
    params_m: float | None = None  # only where the paper publishes them
    gmacs: float | None = None

    @property
    def citation(self) -> str:
        """``Pattern Recognition 2024, arXiv:2301.12149``: where the number comes from."""
        where = " ".join(str(p) for p in (self.venue, self.year) if p)
        return ", ".join(p for p in (where, self.source, self.note) if p)


@dataclass
class ReferenceSet:
    dataset: str
    display: str
    metric: str
    rows: list[Reference]
    split: str = ""
    metric_text: str = ""


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
        rows = [_reference(path, f"{dataset}.rows[{i}]", row) for i, row in enumerate(table.get("rows", []))]
        out[dataset] = ReferenceSet(
            dataset,
            str(table.get("display", DISPLAY_NAMES.get(dataset, dataset))),
            str(table.get("metric", DEFAULT_OBJECTIVE)),
            rows,
            str(table.get("split", "")),
            str(table.get("metric_text", "")),
        )
    return out


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _reference(path: Path, where: str, row) -> Reference:
    if not isinstance(row, dict) or not isinstance(row.get("method"), str) or not _is_number(row.get("value")):
        raise ConfigError(str(path), where, 'expected { method = "NAME", value = NUMBER, ... }')
    unknown = set(row) - {"method", "value", "year", *TEXT_FIELDS, *NUMBER_FIELDS}
    if unknown:
        raise ConfigError(
            str(path),
            f"{where}.{min(unknown)}",
            f"expected one of method, value, year, {', '.join(TEXT_FIELDS + NUMBER_FIELDS)}",
        )
    for name in TEXT_FIELDS:
        if name in row and not isinstance(row[name], str):
            raise ConfigError(str(path), f"{where}.{name}", "expected a string")
    for name in NUMBER_FIELDS:
        if name in row and not _is_number(row[name]):
            raise ConfigError(str(path), f"{where}.{name}", "expected a number")
    if "year" in row and not (isinstance(row["year"], int) and not isinstance(row["year"], bool)):
        raise ConfigError(str(path), f"{where}.year", "expected a year, e.g. 2023")
    return Reference(
        method=row["method"],
        value=float(row["value"]),
        year=row.get("year"),
        **{k: row[k] for k in TEXT_FIELDS if k in row},
        **{k: float(row[k]) for k in NUMBER_FIELDS if k in row},
    )


def references_for(ws: Workspace, dataset: str, metric: str) -> ReferenceSet | None:
    found = load_references(ws).get(dataset)
    return found if found is not None and found.metric == metric and found.rows else None
