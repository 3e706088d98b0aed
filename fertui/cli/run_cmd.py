"""``fertui run``: queue runs, then schedule them here with a live view (or hand them to the daemon)."""

from typing import Annotated

import typer

from fertui.cli.common import ForceOption, SetOption, command_after_dashes, workspace
from fertui.store import Store


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        ctx: typer.Context,
        configs: Annotated[list[str] | None, typer.Argument(help="Config or sweep files (TOML).")] = None,
        sets: SetOption = None,
        force: ForceOption = False,
        detach: Annotated[
            bool, typer.Option("--detach", "-d", help="Hand the runs to the daemon and return at once.")
        ] = False,
    ) -> None:
        """Queue runs (configs, sweeps or '-- COMMAND...'), then run the queue here until it drains.

        With no CONFIG and no COMMAND it runs whatever is queued. Exit code 1 if any run
        failed, hit NaN, ran out of memory or was lost. If the daemon already runs, this
        follows its progress instead of competing with it.
        """
        from fertui.plan import enqueue

        ws = workspace(ctx)
        ids: list[str] = []
        if configs or command_after_dashes(ctx):
            from fertui.cli.runs import plan_from_cli, print_queued_summary

            docs = plan_from_cli(ctx, configs or [], sets or [], force)
            ids = enqueue(ws, docs)
            print_queued_summary(docs)
            for run_id, doc in zip(ids, docs):
                typer.echo(f"queued {run_id}  {doc['name']}")
        if detach:
            from fertui.scheduler.daemon import ensure_daemon

            pid = ensure_daemon(ws)
            typer.echo(f"the scheduler (pid {pid}) runs the queue; watch with `fertui ls` or `fertui logs ID -f`")
            return
        if not ids and not Store(ws.store_path).active_runs():
            typer.echo("nothing queued: give a CONFIG or '-- COMMAND...', or queue runs with `fertui add`")
            return
        from fertui.scheduler.foreground import run_foreground

        raise typer.Exit(run_foreground(ws, ids))
