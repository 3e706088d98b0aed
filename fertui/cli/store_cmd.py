"""``fertui store restore``: put back the previous good store after a crash or a bad edit."""

import typer

from fertui.cli.common import workspace

store_app = typer.Typer(help="The store (runs/fertui.json, runs/store/) and its backups.", no_args_is_help=True)


@store_app.command("restore")
def restore_cmd(ctx: typer.Context) -> None:
    """Replace runs/fertui.json by runs/fertui.json.bak (the damaged file is kept beside it);
    a damaged partition (runs/store/*.json) gets its own .bak back, or without one its runs
    are rebuilt from their folders; runs newer than a backup are rebuilt the same way."""
    from fertui.errors import UserError
    from fertui.jsonio import loads
    from fertui.store import Store
    from fertui.scheduler.rebuild import rebuild_missing_runs
    from fertui.store_backup import backup_path, read_json_file, restore, set_aside

    ws = workspace(ctx)
    store = Store(ws.store_path)
    with store.lock:  # no write may land between the check and the swap
        partitions, set_aside_ones = [], []
        for name in store.parts.names():
            path = store.parts.path(name)
            try:
                read_json_file(path)
            except UserError:
                if backup_path(path).exists():
                    restore(path, loads)
                    partitions.append(path)
                else:  # its first version: its runs come back from their folders below
                    set_aside_ones.append((path, set_aside(path)))
        try:
            read_json_file(ws.store_path)
            hot_damaged = False
        except UserError:
            hot_damaged = True
        touched = partitions or set_aside_ones
        tables, kept = restore(ws.store_path, loads) if hot_damaged or not touched else ({}, None)
        rebuilt = rebuild_missing_runs(store, ws.runs_dir)
        store.put_recovered_runs(rebuilt)
    for path in partitions:
        typer.echo(f"restored {path} from {backup_path(path)}")
    for path, kept_at in set_aside_ones:
        typer.echo(f"{path} had no backup yet: set aside as {kept_at}; its runs are rebuilt from their folders")
    if hot_damaged or not touched:
        runs = len(tables.get("runs", {})) if isinstance(tables, dict) else 0
        typer.echo(f"restored {ws.store_path} from {backup_path(ws.store_path)} ({runs} active runs)"
                   + (f"; the damaged file is {kept}" if kept else ""))
    if rebuilt:
        typer.echo(f"{len(rebuilt)} run(s) the store did not hold rebuilt from their folders: "
                   + ", ".join(f"{d['id']} {d['status']}" for d in rebuilt))


def register(app: typer.Typer) -> None:
    app.add_typer(store_app, name="store")
