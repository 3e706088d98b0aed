"""The ``fertui`` entry point: global options, error handling, and the command groups."""

import os
from typing import Annotated

import typer
from typer.core import TyperGroup

from fertui.errors import UserError


class FertuiGroup(TyperGroup):
    """Splits off ``-- COMMAND...`` before Click sees it, and turns user errors into one line."""

    def parse_args(self, ctx, args):
        if "--" in args:
            cut = args.index("--")
            ctx.meta["fertui.command"] = args[cut + 1:]
            args = args[:cut]
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            except OSError as exc:  # a full disk anywhere (a log, a folder): still one line
                from fertui.errors import NO_SPACE, DiskFull, StoreBusy

                if exc.errno in NO_SPACE:
                    raise DiskFull(str(exc.filename or "the workspace")) from None
                lock_file = getattr(exc, "lock_file", None)  # filelock.Timeout: a lock held too long
                if isinstance(exc, TimeoutError) and lock_file:
                    raise StoreBusy(f"{lock_file}: still locked by another fertui process; is one hung? "
                                    f"(`fuser {lock_file}` names it)") from None
                raise
        except UserError as exc:
            if os.environ.get("FERTUI_DEBUG"):
                raise
            typer.echo(f"fertui: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


app = typer.Typer(
    cls=FertuiGroup,
    name="fertui",
    help="Terminal experiment manager for facial expression recognition research.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", envvar="FERTUI_HOME",
        help="Folder holding runs/ and configs/ (default: current directory).")] = None,
    version: Annotated[bool, typer.Option("--version", help="Print fertui's version and exit.",
                                          is_eager=True)] = False,
) -> None:
    """With no command, opens the interactive console."""
    if version:
        from fertui import __version__

        typer.echo(f"fertui {__version__}")
        raise typer.Exit()
    from fertui.atomicio import no_world_write

    no_world_write()  # inherited by the daemon and the jobs it starts
    if ctx.invoked_subcommand is None:
        from fertui.cli.common import workspace as get_workspace
        from fertui.tui.app import run_console

        run_console(get_workspace(ctx))


def _register() -> None:
    from fertui.cli import (annotate_cmd, bench, control, daemon, data, disk_cmd, explain_cmd, models_cmd, notify_cmd,
                            run_cmd, runs, share, store_cmd, sweeps)

    for module in (runs, run_cmd, control, daemon, sweeps, share, bench, models_cmd, data, store_cmd, explain_cmd,
                   notify_cmd, disk_cmd, annotate_cmd):
        module.register(app)


_register()


def main() -> None:
    app(prog_name="fertui")


if __name__ == "__main__":
    main()
