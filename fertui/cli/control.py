"""``fertui cancel|retry|logs|priority|queue``: steering runs and the queue."""

import sys
import time
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace
from fertui.errors import UserError

BulkRefs = Annotated[list[str] | None, typer.Argument(help="Run ids, names or id ranges (10-36).", show_default=False)]
SweepFilter = Annotated[str | None, typer.Option("--sweep", help="Runs of this sweep.")]
StatusFilter = Annotated[list[str] | None, typer.Option("--status", help="Runs in these states (queued,failed).")]
NameFilter = Annotated[str | None, typer.Option("--name", help="Runs whose names match this glob.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before acting on many runs.")]
CANCELLABLE = ("queued", "running", "held")
FEW = 3  # a bulk selection of more runs than this asks first
queue_app = typer.Typer(help="Pause, resume or drain the queue.", invoke_without_command=True)


@queue_app.callback()
def queue_status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the queue's state (active, paused or draining)."""
    if ctx.invoked_subcommand is not None:
        return
    from fertui.scheduler.queue_state import queue_state

    state = queue_state(workspace(ctx))
    print_json({"queue": state}) if as_json else typer.echo(f"queue {state}")


@queue_app.command("pause")
def queue_pause(ctx: typer.Context) -> None:
    """Start no new runs; running ones go on."""
    from fertui.scheduler.queue_state import pause

    pause(workspace(ctx))
    typer.echo("queue paused: running jobs go on, queued ones wait (`fertui queue resume`)")


@queue_app.command("resume")
def queue_resume(
    ctx: typer.Context,
    sweep: Annotated[
        str | None, typer.Argument(help="A held sweep: queue its held runs again.", show_default=False)
    ] = None,
) -> None:
    """Start queued runs again; with SWEEP, release that sweep's held runs (see stop_after_same_failures)."""
    from fertui.scheduler.queue_state import resume

    ws = workspace(ctx)
    if sweep is not None:
        from fertui.scheduler.failstop import release_sweep
        from fertui.store import Store
        from fertui.wake import wake_scheduler

        released = release_sweep(Store(ws.store_path), sweep)
        wake_scheduler(ws)
        typer.echo(
            f"sweep {sweep}: {len(released)} held run{'s' if len(released) != 1 else ''} queued again"
            if released
            else f"sweep {sweep} has no held runs"
        )
        return  # a paused queue stays paused: this only releases the sweep
    resume(ws)
    typer.echo("queue active")


@queue_app.command("drain")
def queue_drain(ctx: typer.Context) -> None:
    """Start no new runs; the daemon exits once its running jobs end (then the queue is active again)."""
    from fertui.scheduler.queue_state import drain

    drain(workspace(ctx))
    typer.echo("queue draining: no new runs start; the daemon stops when the running ones end")


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")

    @app.command("cancel")
    def cancel(
        ctx: typer.Context,
        runs: BulkRefs = None,
        sweep: SweepFilter = None,
        status: StatusFilter = None,
        name: NameFilter = None,
        yes: YesFlag = False,
    ) -> None:
        """Cancel runs: a queued run at once; a running one gets SIGTERM, then SIGKILL after the grace period.

        Runs are named by id or name, by id range (10-36), or chosen with --sweep/--status/--name;
        a range or filter picks only runs that can still be cancelled, and says how many first.
        """
        from fertui.scheduler.control import cancel_runs

        ws = workspace(ctx)
        chosen = _chosen(ctx, "cancel", runs, sweep, status, name, yes, CANCELLABLE)
        if chosen:
            for run_id, outcome in cancel_runs(ws, [r["id"] for r in chosen]):
                typer.echo(f"{run_id}  {outcome}")

    @app.command("retry")
    def retry(
        ctx: typer.Context,
        runs: BulkRefs = None,
        sweep: SweepFilter = None,
        status: StatusFilter = None,
        name: NameFilter = None,
        yes: YesFlag = False,
    ) -> None:
        """Queue finished runs again, each as a new run with the same config (the old one is kept).

        Runs are named as for `fertui cancel`; a range or filter picks only finished runs.
        """
        from fertui.scheduler.control import retry_runs
        from fertui.store import FINAL_STATES

        chosen = _chosen(ctx, "retry", runs, sweep, status, name, yes, FINAL_STATES)
        if chosen:
            from fertui.provenance.render import code_change_note
            from fertui.store import Store

            store = Store(workspace(ctx).store_path)
            for old, new in retry_runs(workspace(ctx), [r["id"] for r in chosen]):
                typer.echo(f"{old} -> {new}  queued")
                note = code_change_note(store.get_run(old) or {}, store.get_run(new) or {})
                if note:
                    typer.echo(f"  note: {note}")

    @app.command("resume")
    def resume(ctx: typer.Context, runs: Annotated[list[str], typer.Argument(help="Run ids or names.")]) -> None:
        """Resume lost, failed or cancelled runs in place: the same run id and folder, from its last
        checkpoint (the built-in trainer's last.pt; a command job's [job] resume_command)."""
        from fertui.scheduler.control import resume_runs

        for run_id, checkpoint in resume_runs(workspace(ctx), runs):
            typer.echo(f"{run_id}  queued to resume from {checkpoint}")

    @app.command("priority")
    def priority(
        ctx: typer.Context,
        run: Annotated[str, typer.Argument(help="Run id or name.")],
        value: Annotated[int, typer.Argument(help="Higher starts first; FIFO within a priority.")],
    ) -> None:
        """Set a run's priority (or queue with `--set run.priority=N`)."""
        from fertui.scheduler.control import set_priority

        doc = set_priority(workspace(ctx), run, value)
        note = "" if doc["status"] == "queued" else f" (it is {doc['status']}: this only matters while queued)"
        typer.echo(f"{doc['id']}  priority {value}{note}")

    @app.command("logs")
    def logs(
        ctx: typer.Context,
        run: Annotated[str, typer.Argument(help="Run id or name.")],
        follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the run ends.")] = False,
        lines: Annotated[int, typer.Option("--lines", "-n", help="Only the last N lines (0 = all).")] = 0,
    ) -> None:
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


def _chosen(
    ctx: typer.Context,
    verb: str,
    refs: list[str] | None,
    sweep: str | None,
    status: list[str] | None,
    name: str | None,
    yes: bool,
    actionable: tuple[str, ...],
) -> list[dict]:
    """The runs to act on. Named ids act as named (a finished run says so); a range or a filter
    keeps the runs VERB applies to, prints how many matched, and asks when there are many."""
    from collections import Counter

    from fertui.scheduler.control import RANGE, select_runs

    refs = refs or []
    statuses = [s for item in status or [] for s in item.split(",") if s]
    matched = select_runs(workspace(ctx), refs, sweep, statuses, name)
    bulk = bool(sweep or statuses or name or any(RANGE.match(r.strip()) for r in refs))
    if not bulk:
        return matched
    chosen = [r for r in matched if r["status"] in actionable]
    by_state = Counter(r["status"] for r in chosen)
    left = len(matched) - len(chosen)
    what = ", ".join(f"{n} {s}" for s, n in by_state.most_common())
    note = (
        f" ({left} other{'s' if left != 1 else ''} left alone: {verb} applies to {', '.join(actionable)})"
        if left
        else ""
    )
    typer.echo(
        f"{verb}: {len(chosen)} {'run matches' if len(chosen) == 1 else 'runs match'}"
        f"{': ' + what if what else ''}{note}"
    )
    if not chosen:
        return []
    if len(chosen) > FEW and not yes:
        try:
            sure = typer.confirm(f"{verb} these {len(chosen)} runs?", default=False)
        except typer.Abort:  # no terminal to answer on
            raise UserError(f"{len(chosen)} runs match; add --yes to {verb} them without asking") from None
        if not sure:
            typer.echo(f"nothing done: no run was {'cancelled' if verb == 'cancel' else 'queued again'}")
            raise typer.Exit(1)
    return chosen


def _print_from(path, offset: int, last_lines: int, whole: bool = True) -> int:
    """Write PATH's bytes from OFFSET (or only its last LAST_LINES lines) to stdout; the new offset.

    Piped or redirected, the bytes are copied exactly. On a terminal, control sequences other
    than colours (and colours too under NO_COLOR) are removed (a job's `ESC]0;title` or `ESC[2J` must not reach it), line by line:
    unless WHOLE, a last partial line waits for the next call so no sequence is cut in two.
    """
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return offset
    if sys.stdout.isatty():
        from fertui.columns import use_colour
        from fertui.terminal_text import printable

        if not whole:
            data = data[: data.rfind(b"\n") + 1]
        end = offset + len(data)
        if last_lines and data:
            data = b"\n".join(data.rstrip(b"\n").split(b"\n")[-last_lines:]) + b"\n"
        sys.stdout.write(printable(data.decode("utf-8", errors="replace"), keep_colour=use_colour(sys.stdout)))
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
