"""``fertui store restore``: put the store back after a crash or a bad edit (fertui.scheduler.restore)."""

from typing import Annotated

import typer

from fertui.cli.common import workspace

store_app = typer.Typer(help="The store (runs/fertui.json, runs/store/) and its backups.", no_args_is_help=True)


@store_app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Roll a healthy store back to its .bak (the run folders still win: no started run is queued again).",
        ),
    ] = False,
) -> None:
    """Repair a damaged store: runs/fertui.json and each damaged partition get their .bak back
    (the damaged files are kept beside them); without a good backup the runs are rebuilt from
    their folders. Every run is then checked against its folder: a live job is adopted, never
    started twice. Refuses on a healthy store unless --force."""
    from fertui.scheduler.restore import report_lines, restore_store

    for line in report_lines(restore_store(workspace(ctx), force=force)):
        typer.echo(line)


@store_app.command("repair-journal")
def repair_journal_cmd(ctx: typer.Context) -> None:
    """Cut the Optuna journal (runs/optuna.journal) off at its first torn line, keeping the damaged
    file beside it; the next `fertui daemon start` or `fertui add` re-syncs the studies with the store."""
    from pathlib import Path

    from fertui.errors import UserError
    from fertui.scheduler.daemon import daemon_status
    from fertui.sweeps.journal_repair import repair_journal

    ws = workspace(ctx)
    setting = str(ws.setting("optuna", "storage"))
    if "://" in setting:
        raise UserError(f"[optuna] storage is a database ({setting.split('://')[0]}), not a journal file")
    if daemon_status(ws):  # it holds the journal open and appends to it
        raise UserError("a scheduler is running; stop it first (`fertui daemon stop`), then repair")
    path = Path(setting) if Path(setting).is_absolute() else ws.root / setting
    done = repair_journal(path)
    if done.kept_as is None:
        typer.echo(f"{path}: every line reads; nothing to repair")
    else:
        typer.echo(
            f"{path}: cut off at its torn line {done.first_torn} ({done.dropped} line(s) dropped); the "
            f"damaged journal is {done.kept_as}; `fertui daemon start` re-syncs the studies with the store"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
