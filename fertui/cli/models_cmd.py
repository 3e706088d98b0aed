"""``fertui models``: the registered model zoo with parameters and GMACs."""

from __future__ import annotations

import typer

from fertui.cli.common import JsonFlag, print_json


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models_cmd(as_json: JsonFlag = False) -> None:
        """List registered models with params (M) and GMACs at their default input."""
        from models.counting import describe_all  # imports torch: only this command pays for it

        rows = describe_all()
        if as_json:
            print_json(rows)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, header_style="bold")
        for col in ("model", "params (M)", "GMACs", "input"):
            table.add_column(col, justify="left" if col == "model" else "right")
        for r in rows:
            table.add_row(r["name"], f"{r['params_m']:.3f}", f"{r['gmacs']:.3f}", str(r["input_size"]))
        typer.echo("no models registered") if not rows else Console().print(table)
