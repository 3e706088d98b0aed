"""``fertui cancel|retry|logs|priority|queue``: steering runs and the queue."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace
from fertui.errors import UserError

RunRefs = Annotated[list[str], typer.Argument(help="Run ids or names.")]
queue_app = typer.Typer(help="Pause, resume or drain the queue.", invoke_without_command=True)


@queue_app.callback()
def queue_status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the queue's state (active, paused or draining)."""
    if ctx.invoked_subcommand is not None:
        return
    from fertui.scheduler.control import queue_state

    state = queue_state(workspace(ctx))
    print_json({"queue": state}) if as_json else typer.echo(f"queue {state}")


@queue_app.command("pause")
def queue_pause(ctx: typer.Context) -> None:
    """Start no new runs; running ones go on."""
    from fertui.scheduler.control import pause

    pause(workspace(ctx))
    typer.echo("queue paused: running jobs go on, queued ones wait (`fertui queue resume`)")


@queue_app.command("resume")
def queue_resume(ctx: typer.Context) -> None:
    """Start queued runs again."""
    from fertui.scheduler.control import resume

    resume(workspace(ctx))
    typer.echo("queue active")


@queue_app.command("drain")
def queue_drain(ctx: typer.Context) -> None:
    """Start no new runs; the daemon exits once its running jobs end (then the queue is active again)."""
    from fertui.scheduler.control import drain

    drain(workspace(ctx))
    typer.echo("queue draining: no new runs start; the daemon stops when the running ones end")


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")

    @app.command("cancel")
    def cancel(ctx: typer.Context, runs: RunRefs) -> None:
        """Cancel runs: a queued run at once; a running one gets SIGTERM, then SIGKILL after the grace period."""
        from fertui.scheduler.control import cancel_runs

        for run_id, outcome in cancel_runs(workspace(ctx), runs):
            typer.echo(f"{run_id}  {outcome}")

    @app.command("retry")
    def retry(ctx: typer.Context, runs: RunRefs) -> None:
        """Queue finished runs again, each as a new run with the same config (the old one is kept)."""
        from fertui.scheduler.control import retry_runs

        for old, new in retry_runs(workspace(ctx), runs):
            typer.echo(f"{old} -> {new}  queued")

    @app.command("priority")
    def priority(ctx: typer.Context, run: Annotated[str, typer.Argument(help="Run id or name.")],
                 value: Annotated[int, typer.Argument(help="Higher starts first; FIFO within a priority.")]) -> None:
        """Set a run's priority (or queue with `--set run.priority=N`)."""
        from fertui.scheduler.control import set_priority

        doc = set_priority(workspace(ctx), run, value)
        note = "" if doc["status"] == "queued" else f" (it is {doc['status']}: this only matters while queued)"
        typer.echo(f"{doc['id']}  priority {value}{note}")

    @app.command("logs")
    def logs(ctx: typer.Context, run: Annotated[str, typer.Argument(help="Run id or name.")],
             follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the run ends.")] = False,
             lines: Annotated[int, typer.Option("--lines", "-n", help="Only the last N lines (0 = all).")] = 0) -> None:
        """Print a run's stdout.log (stdout and stderr of the job)."""
        from fertui.store import Store

        ws = workspace(ctx)
        store = Store(ws.store_path)
        doc = store.resolve_run(run)
        path = ws.run_dir(doc["id"]) / "stdout.log"
        if not path.exists() and not follow:
            raise UserError(f"run {doc['id']} has no log yet ({path}); it is {doc['status']}")
        offset = _print_from(path, 0, lines, whole=not follow)
        try:
            while follow:
                status = (store.get_run(doc["id"]) or {}).get("status")
                before = offset
                offset = _print_from(path, offset, 0, whole=status not in ("queued", "running"))
                if status not in ("queued", "running") and offset == before:
                    break
                time.sleep(0.25)
        except KeyboardInterrupt:
            pass


def _print_from(path, offset: int, last_lines: int, whole: bool = True) -> int:
    """Write PATH's bytes from OFFSET (or only its last LAST_LINES lines) to stdout; the new offset.

    Piped or redirected, the bytes are copied exactly. On a terminal, control sequences other
    than colours are removed (a job's `ESC]0;title` or `ESC[2J` must not reach it), line by line:
    unless WHOLE, a last partial line waits for the next call so no sequence is cut in two.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return offset
    if sys.stdout.isatty():
        from fertui.terminal_text import printable

        if not whole:
            data = data[: data.rfind(b"\n") + 1]
        end = offset + len(data)
        if last_lines and data:
            data = b"\n".join(data.rstrip(b"\n").split(b"\n")[-last_lines:]) + b"\n"
        sys.stdout.write(printable(data.decode("utf-8", errors="replace"), keep_colour=True))
        sys.stdout.flush()
        return end
    end = offset + len(data)
    if last_lines:
        data = b"\n".join(data.rstrip(b"\n").split(b"\n")[-last_lines:]) + b"\n"
    out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
    if out is not None:
        out.write(data)
        out.flush()
    else:
        sys.stdout.write(data.decode("utf-8", errors="replace"))
    return end
