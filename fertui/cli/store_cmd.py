"""``fertui store restore``: put back the previous good store after a crash or a bad edit."""

from __future__ import annotations

import typer

from fertui.cli.common import workspace

store_app = typer.Typer(help="The store file (runs/fertui.json) and its backup.", no_args_is_help=True)


@store_app.command("restore")
def restore_cmd(ctx: typer.Context) -> None:
    """Replace runs/fertui.json by runs/fertui.json.bak (the damaged file is kept beside it)."""
    from fertui.jsonio import loads
    from fertui.store import Store
    from fertui.store_backup import backup_path, restore, run_folders_missing

    ws = workspace(ctx)
    store = Store(ws.store_path)
    with store.lock:  # no write may land between the check and the swap
        tables, kept = restore(ws.store_path, loads)
        rebuilt = run_folders_missing(store, ws.runs_dir)
        store.put_recovered_runs(rebuilt)
    runs = len(tables.get("runs", {})) if isinstance(tables, dict) else 0
    typer.echo(f"restored {ws.store_path} from {backup_path(ws.store_path)} ({runs} runs)"
               + (f"; the damaged file is {kept}" if kept else ""))
    if rebuilt:
        typer.echo(f"{len(rebuilt)} run(s) newer than the backup rebuilt from their folders: "
                   + ", ".join(f"{d['id']} {d['status']}" for d in rebuilt))


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
