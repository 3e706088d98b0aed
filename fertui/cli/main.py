"""The ``fertui`` entry point: global options, error handling, and the command groups."""

import os
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from fertui.errors import UserError
from fertui.terminal_text import inline

# Typer bundles its own Click and exports, of its usage errors, only BadParameter: the base of
# that is the UsageError raised for unknown options, missing arguments and unknown commands.
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def usage_error(ctx: typer.Context, exc: UsageError) -> None:
    """Click's usage errors (unknown option, missing argument) as the one line every other
    user error gets, naming the command's help; exit code 2."""
    if type(exc).__name__ == "NoArgsIsHelpError" or os.environ.get("FERTUI_DEBUG"):
        raise exc  # a group called bare shows its help, as Click does
    where = exc.ctx.command_path if exc.ctx is not None else ctx.command_path
    if exc.ctx is None and ctx.invoked_subcommand:  # an option's value was missing: Click names no command
        where += f" {ctx.invoked_subcommand}"
    typer.echo(f"fertui: error: {exc.format_message()} (see '{where} --help')", err=True)
    ctx.exit(2)


class FertuiGroup(TyperGroup):
    """Splits off ``-- COMMAND...`` before Click sees it, and turns user errors into one line."""

    def parse_args(self, ctx, args):
        if "--" in args:
            cut = args.index("--")
            ctx.meta["fertui.command"] = args[cut + 1 :]
            args = args[:cut]
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:  # e.g. `fertui --frob`: fertui's own options
            usage_error(ctx, exc)

    def invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            except UsageError as exc:  # a command's options and arguments
                usage_error(ctx, exc)
            except OSError as exc:  # a full disk anywhere (a log, a folder): still one line
                from fertui.errors import NO_SPACE, NOT_WRITABLE, DiskFull, StoreBusy, not_writable_message

                if exc.errno in NO_SPACE:
                    raise DiskFull(str(exc.filename or "the workspace")) from None
                if exc.errno in NOT_WRITABLE:  # a read-only workspace, or a runs/ owned by a colleague
                    raise UserError(not_writable_message(exc)) from None
                lock_file = getattr(exc, "lock_file", None)  # filelock.Timeout: a lock held too long
                if isinstance(exc, TimeoutError) and lock_file:
                    raise StoreBusy(
                        f"{lock_file}: still locked by another fertui process; is one hung? "
                        f"(`fuser {lock_file}` names it)"
                    ) from None
                raise
        except UserError as exc:
            if os.environ.get("FERTUI_DEBUG"):
                raise
            typer.echo(f"fertui: error: {inline(str(exc))}", err=True)  # it may quote a hostile name
            ctx.exit(exc.exit_code)


app = typer.Typer(
    cls=FertuiGroup,
    name="fertui",
    help="Terminal experiment manager for facial expression recognition research.",
    invoke_without_command=True,
    add_completion=True,  # --install-completion / --show-completion: see docs/terminal.md
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="FERTUI_HOME",
            help="Folder holding runs/ and configs/ (default: current directory).",
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Print fertui's version and exit.", is_eager=True)] = False,
) -> None:
    """With no command, opens the interactive console."""
    if version:
        from fertui import __version__

        typer.echo(f"fertui {__version__}")
        raise typer.Exit()
    from fertui.atomicio import no_world_write

    no_world_write()  # inherited by the daemon and the jobs it starts
    if ctx.invoked_subcommand is None:
        # Without a terminal Textual waits on no keyboard, spinning; `fertui serve` runs the console
        # through textual-serve's web driver (TEXTUAL_DRIVER), which needs none.
        web = bool(os.environ.get("TEXTUAL_DRIVER"))
        if not web and not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserError(
                "the console needs a terminal (stdin or stdout is not one); in scripts use "
                "`fertui ls`, `fertui add`, `fertui run` (`fertui --help` lists every command)"
            )
        from fertui.cli.common import workspace as get_workspace
        from fertui.tui.app import run_console

        run_console(get_workspace(ctx))


def _register() -> None:
    from fertui.cli import (
        annotate_cmd,
        bench,
        capture_cmd,
        control,
        daemon,
        data,
        diff_cmd,
        disk_cmd,
        explain_cmd,
        importance_cmd,
        models_cmd,
        notify_cmd,
        run_cmd,
        runs,
        share,
        store_cmd,
        sweeps,
    )

    for module in (
        runs,
        run_cmd,
        control,
        diff_cmd,
        daemon,
        sweeps,
        importance_cmd,
        share,
        bench,
        models_cmd,
        data,
        store_cmd,
        explain_cmd,
        capture_cmd,
        notify_cmd,
        disk_cmd,
        annotate_cmd,
    ):
        module.register(app)


_register()


def main() -> None:
    app(prog_name="fertui")


if __name__ == "__main__":
    main()
