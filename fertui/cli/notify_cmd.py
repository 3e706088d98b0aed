"""``fertui notify test``: check the [notify] settings by sending one message now."""

import typer

from fertui.cli.common import workspace

notify_app = typer.Typer(help="Notifications for when you are away ([notify] in fertui.toml).", no_args_is_help=True)


@notify_app.command("test")
def test_cmd(ctx: typer.Context) -> None:
    """Send one test message to every [notify] target; say which failed (exit 1 if any)."""
    from fertui.errors import UserError
    from fertui.notify import Sender, settings_for

    ws = workspace(ctx)
    settings = settings_for(ws)
    if not settings.enabled:
        raise UserError(
            f"{ws.root / 'fertui.toml'}: notify: no urls or command to send to; add e.g. "
            '[notify] urls = ["ntfy://my-topic"]'
        )
    failures = Sender(settings).send("fertui: test", f"fertui can reach you from {ws.root}.")
    targets = len(settings.urls) + (1 if settings.command else 0)
    for failure in failures:
        typer.echo(f"not sent: {failure}", err=True)
    typer.echo(f"sent to {targets - len(failures)} of {targets} target(s)")
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
