"""``fertui models``: the registered model zoo with parameters and GMACs."""

from __future__ import annotations

import typer

from fertui.cli.common import JsonFlag, print_json

# (header, row key, format); rows from a user's own model file may lack the architecture keys.
COLUMNS = (
    ("model", "name", "{}"),
    ("backbone", "backbone", "{}"),
    ("head", "head_block", "{}"),
    ("depth", "depth", "{}"),
    ("params (M)", "params_m", "{:.3f}"),
    ("GMACs", "gmacs", "{:.3f}"),
    ("input", "input_size", "{}"),
)


def _describe_all() -> list[dict]:
    from models.counting import describe_all  # imports torch: paid only when the cache is stale

    return describe_all()


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models_cmd(as_json: JsonFlag = False) -> None:
        """List registered models with params (M) and GMACs at their default input."""
        from fertui.model_index import described_models

        rows = described_models(_describe_all)
        if as_json:
            print_json(rows)
            return
        if not rows:
            typer.echo("no models registered")
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, header_style="bold")
        for header, _, _ in COLUMNS:
            table.add_column(header, justify="left" if header in ("model", "backbone", "head") else "right",
                             no_wrap=True)
        for r in rows:
            table.add_row(*(fmt.format(r[key]) if key in r else "-" for _, key, fmt in COLUMNS))
        Console().print(table)
