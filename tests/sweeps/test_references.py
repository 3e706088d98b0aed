"""Reference rows carry their source; a malformed row is one clear error; numeric settings are
named with their key in the paper table and compare's headers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import ConfigError
from fertui.sweeps.paper import method_name
from fertui.sweeps.references import load_references
from fertui.workspace import open_workspace


def test_every_shipped_rafdb_row_names_its_source_venue_year_and_cite_key(tmp_path):
    refs = load_references(open_workspace(tmp_path))["rafdb"]
    assert refs.split == "RAF-DB basic, 12,271 train / 3,068 test" and refs.metric_text.startswith("overall accuracy")
    for row in refs.rows:
        assert row.source and row.venue and row.year and row.key and row.code, row.method
    by_name = {r.method: r for r in refs.rows}
    assert (
        by_name["DDAMFN"].value == 91.35 and by_name["DDAMFN"].year == 2023 and "Electronics" in by_name["DDAMFN"].venue
    )
    assert "FMAE" not in by_name


@pytest.mark.parametrize(
    "row, key",
    [
        ('{ method = "X", value = "92" }', "rafdb.rows[0]"),
        ('{ method = "X", value = 92.0, gmacs = "8" }', "rafdb.rows[0].gmacs"),
        ('{ method = "X", value = 92.0, url = "x" }', "rafdb.rows[0].url"),
    ],
)
def test_a_malformed_row_names_the_file_and_key(tmp_path, row, key):
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs" / "references.toml"
    path.write_text(f"[rafdb]\nrows = [{row}]\n")
    with pytest.raises(ConfigError) as caught:
        load_references(open_workspace(tmp_path))
    assert str(path) in str(caught.value) and key in str(caught.value)


def test_numeric_settings_are_named_with_their_key(space):
    assert method_name("model.depth", 8, "clsfer_ir50") == "clsfer_ir50 depth 8"
    assert method_name("model.name", "clsfer_ir50", "clsfer_ir50") == "clsfer_ir50"
    space.add(
        "depth.toml",
        """
        [job]
        command = ["true"]
        [sweep]
        name = "Depth"
        [sweep.axes]
        "model.depth" = [2, 4]
        "optim.lr" = [1e-4, 1e-3]
    """,
    )
    for run in space.runs():
        space.finish(run["id"], "done", 80.0 + run["params"]["model.depth"] + run["params"]["optim.lr"] * 1000)
    out = (
        CliRunner()
        .invoke(app, ["--workspace", str(space.root), "compare", "Depth", "--by", "model.depth", "--format", "md"])
        .output
    )
    assert "| optim.lr | depth 2 | depth 4 | winner |" in out and "| depth 4 |" in out
