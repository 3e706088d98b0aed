"""``fertui store restore``: put the store back after a crash or a bad edit (fertui.scheduler.restore)."""

from typing import Annotated

import typer

from fertui.cli.common import workspace

store_app = typer.Typer(help="The store (runs/fertui.json, runs/store/) and its backups.", no_args_is_help=True)


@store_app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option("--force", help="Roll a healthy store back to its .bak (the run "
                                                        "folders still win: no started run is queued again).")] = False,
) -> None:
    """Repair a damaged store: runs/fertui.json and each damaged partition get their .bak back
    (the damaged files are kept beside them); without a good backup the runs are rebuilt from
    their folders. Every run is then checked against its folder: a live job is adopted, never
    started twice. Refuses on a healthy store unless --force."""
    from fertui.scheduler.restore import report_lines, restore_store

    for line in report_lines(restore_store(workspace(ctx), force=force)):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
