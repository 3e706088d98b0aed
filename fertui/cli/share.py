"""``fertui report`` and ``fertui serve``: results for people who will not SSH in."""

from typing import Annotated

import typer

from fertui.cli.common import workspace


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_cmd(
        ctx: typer.Context,
        sweeps: Annotated[list[str] | None, typer.Argument(help="Sweeps to include (default: all).")] = None,
        out: Annotated[str, typer.Option("--out", "-o", help="The HTML file to write.")] = "report.html",
        include_env: Annotated[bool, typer.Option("--include-env", help="Show [job.env] values.")] = False,
    ) -> None:
        """One self-contained HTML file of boards, comparisons, plots and run details: no server, no network."""
        from pathlib import Path

        from fertui.errors import UserError
        from fertui.sweeps.webreport import write_report

        path = Path(out)
        if path.is_dir():
            raise UserError(
                f"{path}: --out names a folder; report writes one HTML file: give a file name "
                f"(e.g. {path / 'report.html'})"
            )
        typer.echo(str(write_report(workspace(ctx), list(sweeps or []), path, include_env)))

    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
        allow_remote: Annotated[
            bool, typer.Option("--allow-remote", help="Allow a --host that is not loopback.")
        ] = False,
    ) -> None:
        """The console in a web browser (textual-serve), at a URL with a fresh random token."""
        from fertui.tui.serve import check_host, is_loopback, serve

        check_host(host, allow_remote)
        if not is_loopback(host):
            typer.echo(
                f"fertui serve: warning: listening on {host}, beyond this machine; the token in the URL "
                "is all that guards the console, and the connection is not encrypted",
                err=True,
            )
        serve(workspace(ctx), host, port)
