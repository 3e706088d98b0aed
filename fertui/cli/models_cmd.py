"""``fertui models``: the registered model zoo with parameters and GMACs."""

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
        # Plain aligned columns: Rich's import alone would be a fifth of a warm call.
        left = ("model", "backbone", "head")
        table = [[header for header, _, _ in COLUMNS]]
        table += [[fmt.format(r[key]) if key in r else "-" for _, key, fmt in COLUMNS] for r in rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
        for line in table:
            cells = [
                cell.ljust(w) if COLUMNS[i][0] in left else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths))
            ]
            typer.echo("  ".join(cells).rstrip())
