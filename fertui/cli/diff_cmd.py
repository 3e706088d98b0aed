"""``fertui diff RUN RUN``: what differs between two runs (config, provenance, code, results)."""

from dataclasses import asdict
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace


def register(app: typer.Typer) -> None:
    @app.command("diff")
    def diff(
        ctx: typer.Context,
        run_a: Annotated[str, typer.Argument(help="Run id or name.")],
        run_b: Annotated[str, typer.Argument(help="Run id or name.")],
        as_json: JsonFlag = False,
    ) -> None:
        """Show how two runs differ: config keys, provenance (commit, packages, torch, GPU, host),
        the code diff between the states they ran, and their results."""
        from fertui.provenance.compare import diff_runs
        from fertui.provenance.render import diff_lines
        from fertui.store import Store

        ws = workspace(ctx)
        store = Store(ws.store_path)
        a, b = store.resolve_run(run_a), store.resolve_run(run_b)
        found = diff_runs(a, ws.run_dir(a["id"]), b, ws.run_dir(b["id"]))
        if as_json:
            print_json(asdict(found))
            return
        from fertui.terminal_text import (
            printable,  # a diff carries file contents: no escapes reach the terminal
        )

        typer.echo(printable("\n".join(diff_lines(found))))
