"""``fertui daemon start|stop|status``: the background scheduler of a workspace."""

import time

import typer

from fertui.cli.common import JsonFlag, print_json, workspace

daemon_app = typer.Typer(help="The background scheduler (one per workspace).", no_args_is_help=True)


@daemon_app.command("start")
def start(ctx: typer.Context) -> None:
    """Start the daemon (if none runs) so queued runs start without a `fertui run`."""
    from fertui.scheduler.daemon import daemon_status, ensure_daemon

    ws = workspace(ctx)
    before = daemon_status(ws)
    pid = ensure_daemon(ws)
    what = "already running" if before else "started"
    typer.echo(f"daemon {what} (pid {pid}); log: {ws.runs_dir / 'daemon.log'}")


@daemon_app.command("stop")
def stop(ctx: typer.Context) -> None:
    """Stop the daemon. Running jobs keep running; the next daemon or `fertui run` adopts them."""
    from fertui.scheduler.daemon import stop_daemon

    typer.echo("daemon stopped" if stop_daemon(workspace(ctx)) else "no daemon was running")


@daemon_app.command("status")
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Whether a scheduler runs here, and what the queue holds."""
    from fertui.scheduler.daemon import daemon_status
    from fertui.scheduler.queue_state import queue_state
    from fertui.store import Store

    ws = workspace(ctx)
    info = daemon_status(ws)
    runs = Store(ws.store_path).active_runs()
    counts = {s: sum(1 for r in runs if r["status"] == s) for s in ("queued", "running")}
    report = {"scheduler": info, "queue": queue_state(ws), **counts}
    if as_json:
        print_json(report)
        return
    if info:
        up = time.time() - info.get("started", time.time())
        typer.echo(f"{info['mode']} scheduler running (pid {info['pid']}, up {int(up)} s)")
    else:
        typer.echo("no scheduler running (`fertui daemon start` or `fertui run`)")
    typer.echo(f"queue {report['queue']}: {counts['running']} running, {counts['queued']} queued")


def register(app: typer.Typer) -> None:
    app.add_typer(daemon_app, name="daemon")
