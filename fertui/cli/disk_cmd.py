"""``fertui du`` and ``fertui clean``: what the runs take on disk, and freeing it safely."""

import shutil
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace
from fertui.errors import UserError


def register(app: typer.Typer) -> None:
    @app.command("du")
    def du_cmd(
        ctx: typer.Context,
        target: Annotated[
            str | None, typer.Argument(help="A sweep (its runs) or a run id; default: every sweep.")
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Disk use per sweep (or per run of one sweep): checkpoints, logs and the rest."""
        from dataclasses import asdict

        from fertui.disk import usage_by_run, usage_by_sweep, usage_lines
        from fertui.store import Store

        ws = workspace(ctx)
        store = Store(ws.store_path)
        if target is None:
            rows = usage_by_sweep(ws, store.iter_runs_newest_first())
        elif store.get_sweep(target) is not None:
            rows = usage_by_run(ws, store.sweep_runs(target))
        else:
            rows = usage_by_run(ws, [store.resolve_run(target)])
        if as_json:
            print_json([{"label": r.label, "runs": r.runs, **asdict(r.usage), "total": r.usage.total} for r in rows])
            return
        free = shutil.disk_usage(ws.runs_dir).free if ws.runs_dir.exists() else None
        typer.echo("\n".join(usage_lines(rows, free)))

    @app.command("clean")
    def clean_cmd(
        ctx: typer.Context,
        lost: Annotated[bool, typer.Option("--lost", help="Runs that were lost.")] = False,
        failed: Annotated[
            bool, typer.Option("--failed", help="Runs that failed, went NaN or ran out of memory.")
        ] = False,
        keep_best: Annotated[
            int | None,
            typer.Option("--keep-best", min=0, help="Per sweep, all but the K best runs (by its objective)."),
        ] = None,
        sweep: Annotated[str | None, typer.Option("--sweep", help="Only this sweep's runs.")] = None,
        checkpoints_only: Annotated[
            bool,
            typer.Option(
                "--checkpoints-only", help="Remove checkpoints only, keep TensorBoard/W&B files and artifacts."
            ),
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", help="Do it (without: show what would go).")] = False,
    ) -> None:
        """Free disk space: checkpoints (and, unless --checkpoints-only, other large files) of the
        chosen finished runs. Configs, events and logs stay, so curves and records remain."""
        from fertui.disk import apply_clean, clean_lines, plan_clean
        from fertui.store import Store

        if not (lost or failed or keep_best is not None):
            raise UserError("say which runs to clean: --lost, --failed and/or --keep-best K")
        ws = workspace(ctx)
        store = Store(ws.store_path)
        if sweep is not None and store.get_sweep(sweep) is None:
            raise UserError(f"no sweep named {sweep!r} (see `fertui sweeps`)")
        what = "checkpoints" if checkpoints_only else "all"
        items = plan_clean(ws, store, lost, failed, keep_best, what, sweep)
        if yes:
            apply_clean(store, items, what)
        typer.echo("\n".join(clean_lines(items, done=yes)))
