"""``fertui data check CONFIG``: counts, class names, image sizes and problems of a data set."""

from pathlib import Path
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, SetOption, print_json, workspace
from fertui.errors import UserError

data_app = typer.Typer(name="data", help="Inspect data sets.", no_args_is_help=True, rich_markup_mode=None)


def _config_path(ws, path: str) -> Path:
    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists() and (ws.configs_dir / path).exists():
        return ws.configs_dir / path  # like `fertui add`: quickstart.toml finds configs/quickstart.toml
    return candidate


@data_app.command("check")
def check(
    ctx: typer.Context,
    config: Annotated[str, typer.Argument(metavar="CONFIG", help="Experiment config (TOML) naming the data set.")],
    sets: SetOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Count images per split and class, list image sizes, and report missing or unreadable files."""
    from fertui.config import load_config
    from fertui.data.check import check_dataset

    ws = workspace(ctx)
    run_config = load_config(_config_path(ws, config), sets or [])
    report = check_dataset(run_config, base=ws.root)
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    if report["problems"]:
        where = report["root"] or report["dataset"]
        raise UserError(f"{where}: {report['problems']} problem{'s' if report['problems'] > 1 else ''} found")


def _print_report(report: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    from fertui.columns import rich_console

    console = rich_console(highlight=False)
    where = f" at {report['root']}" if report["root"] else ""
    console.print(f"[bold]{report['dataset']}[/] ({report['layout']} layout){escape(where)}")
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("class")
    splits = report["splits"]
    for s in splits:
        table.add_column(s["split"] + (f" ({s['role']})" if s["role"] not in ("", s["split"]) else ""), justify="right")
    for i, name in enumerate(report["classes"]):
        table.add_row(f"{i} {name}", *(str(s["counts"].get(name, 0)) for s in splits))
    table.add_row("[bold]total[/]", *(f"[bold]{s['images']}[/]" for s in splits))
    console.print(table)
    for s in splits:
        sizes = ", ".join(f"{k} ({n})" for k, n in list(s["sizes"].items())[:3])
        more = f" and {len(s['sizes']) - 3} more sizes" if len(s["sizes"]) > 3 else ""
        modes = ", ".join(s["modes"])
        console.print(f"{s['split']}: sizes {sizes or '-'}{more}; modes {modes or '-'}")
        for note in s["notes"]:
            console.print(f"  note: {escape(note)}")
        for problem in s["problems"]:
            console.print(f"  [red]problem[/]: {escape(problem)}")
    if not report["problems"]:
        console.print("[green]no problems found[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
