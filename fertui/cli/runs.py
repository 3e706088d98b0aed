"""``fertui add``, ``fertui ls`` and ``fertui show``: putting runs in and looking at them."""

from __future__ import annotations

import fnmatch
import time
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, SetOption, command_after_dashes, print_json, workspace
from fertui.errors import UserError
from fertui.store import RUN_STATES, Store, status_text

STATUS_STYLE = {
    "queued": "cyan", "running": "bold blue", "done": "green", "failed": "bold red",
    "nan": "bold magenta", "oom": "red", "cancelled": "yellow", "pruned": "dim", "lost": "red",
}


def plan_from_cli(ctx: typer.Context, configs: list[str], sets: list[str]) -> list[dict]:
    """Validate every config (or the ``-- COMMAND``) before anything is queued."""
    from fertui.config import config_from_command, load_config
    from fertui.plan import plan_runs

    ws = workspace(ctx)
    command = command_after_dashes(ctx)
    if not configs and not command:
        raise UserError("give at least one CONFIG file or '-- COMMAND...'")
    resolver = _best_of_resolver(ws)
    docs: list[dict] = []
    if command and not configs:
        docs += plan_runs(config_from_command(command, sets), ws)
    for path in configs:
        extra = [f"job.command={_toml_list(command)}"] if command else []
        docs += plan_runs(load_config(_config_path(ws, path), [*sets, *extra], resolver), ws)
    return docs


def _toml_list(items: list[str]) -> str:
    import json

    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def _config_path(ws, path: str):
    from pathlib import Path

    candidate = Path(path)
    if not candidate.is_absolute() and not candidate.exists() and (ws.configs_dir / path).exists():
        return ws.configs_dir / path  # `fertui add quickstart.toml` finds configs/quickstart.toml
    return candidate


def _best_of_resolver(ws):
    def resolve(sweep_name: str) -> dict:
        from fertui.sweeps.best import best_config

        return best_config(ws, sweep_name)

    return resolve


def register(app: typer.Typer) -> None:
    @app.command("add")
    def add(
        ctx: typer.Context,
        configs: Annotated[list[str] | None, typer.Argument(help="Config or sweep files (TOML).")] = None,
        sets: SetOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Queue runs from configs or sweeps (or '-- COMMAND...') and print their ids."""
        from fertui.plan import enqueue

        docs = plan_from_cli(ctx, configs or [], sets or [])
        ids = enqueue(workspace(ctx), docs)
        if as_json:
            print_json([{"id": i, "name": d["name"]} for i, d in zip(ids, docs)])
        else:
            for run_id, doc in zip(ids, docs):
                typer.echo(f"{run_id}  {doc['name']}")

    @app.command("ls")
    def ls(
        ctx: typer.Context,
        status: Annotated[list[str] | None, typer.Option("--status", help="Only these states.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Only names matching this glob.")] = None,
        sweep: Annotated[str | None, typer.Option("--sweep", help="Only runs of this sweep.")] = None,
        tag: Annotated[str | None, typer.Option("--tag", help="Only runs with this tag.")] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """List runs, oldest first."""
        wanted = {s for item in status or [] for s in item.split(",") if s}
        unknown = wanted - set(RUN_STATES)
        if unknown:
            raise UserError(f"--status: unknown state {sorted(unknown)[0]!r}; expected one of {', '.join(RUN_STATES)}")
        runs = [r for r in Store(workspace(ctx).store_path).runs()
                if (not wanted or r["status"] in wanted)
                and (name is None or fnmatch.fnmatchcase(r["name"], name))
                and (sweep is None or r.get("sweep") == sweep)
                and (tag is None or tag in r.get("tags", []))]
        if as_json:
            print_json(runs)
            return
        _print_runs_table(runs)

    @app.command("show")
    def show(ctx: typer.Context, run: Annotated[str, typer.Argument(help="Run id or name.")],
             as_json: JsonFlag = False,
             classes: Annotated[bool, typer.Option("--classes", help="Per-class accuracy and the confusion "
                                                                     "matrix at the best epoch.")] = False,
             png: Annotated[str | None, typer.Option("--png", help="With --classes: also write this PNG.")] = None,
             ) -> None:
        """Show one run: state, parameters, summary metrics and where its files are."""
        doc = Store(workspace(ctx).store_path).resolve_run(run)
        if classes:
            _show_classes(workspace(ctx), doc, as_json, png)
            return
        if as_json:
            print_json(doc)
            return
        _print_run(doc, workspace(ctx).run_dir(doc["id"]))


def _show_classes(ws, doc: dict, as_json: bool, png: str | None) -> None:
    from pathlib import Path

    from fertui.sweeps.per_class import require_classes
    from fertui.sweeps.per_class_render import run_class_json, run_class_lines, run_class_png

    found = require_classes(ws.run_dir(doc["id"]), doc["id"])
    written = str(run_class_png(found, Path(png))) if png else None
    if as_json:
        print_json({**run_class_json(found), **({"png": written} if written else {})})
        return
    typer.echo("\n".join(run_class_lines(found)))
    if written:
        typer.echo(written)


def key_params(run: dict) -> str:
    if run.get("params"):
        from fertui.config import compact

        return " ".join(f"{k.split('.')[-1]}={compact(v)}" for k, v in run["params"].items())
    if run.get("kind") == "command":
        return " ".join(run.get("command", []))[:40]
    model = run.get("config", {}).get("model", {})
    optim = run.get("config", {}).get("optim", {})
    return f"{model.get('name', '')} depth={model.get('depth', '')} lr={optim.get('lr', '')}"


def progress_text(run: dict) -> str:
    s = run.get("summary") or {}
    if "epoch" in s:
        return f"ep {s['epoch']}" + (f"/{s['epochs']}" if s.get("epochs") else "")
    return f"step {s['step']}" if "step" in s else ""


def best_text(run: dict) -> str:
    s = run.get("summary") or {}
    best = s.get("best") or {}
    metric = s.get("objective") or ("val/acc" if "val/acc" in best else next(iter(best), None))
    if metric not in best:  # e.g. a run that went NaN before its first validation
        return ""
    value = best[metric]
    return f"{metric}={value:.4g}" if isinstance(value, float) else f"{metric}={value}"


def _print_runs_table(runs: list[dict]) -> None:
    """Plain aligned columns: Rich's table layout costs over a second at 2,000 rows."""
    import shutil
    import sys

    if not runs:
        typer.echo("no runs")
        return
    now = time.time()
    header = ("id", "name", "status", "sweep", "params", "progress", "best", "age")
    rows = [(r["id"], r["name"], status_text(r), r.get("sweep") or "", key_params(r), progress_text(r),
             best_text(r), _age(now - r.get("created", now))) for r in runs]
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    budget = shutil.get_terminal_size((160, 24)).columns
    fixed = sum(w for i, w in enumerate(widths) if i != 4) + 2 * (len(widths) - 1)
    widths[4] = max(len("params"), min(widths[4], budget - fixed))  # params give way on narrow screens
    colour = sys.stdout.isatty()
    out = [_format_row(header, widths, bold=colour)]
    out += [_format_row(row, widths, status_colour=colour) for row in rows]
    sys.stdout.write("\n".join(out) + "\n")


ANSI = {"cyan": "36", "bold blue": "1;34", "green": "32", "bold red": "1;31", "bold magenta": "1;35",
        "red": "31", "yellow": "33", "dim": "2"}


def _format_row(row, widths, bold=False, status_colour=False) -> str:
    cells = []
    for i, (text, width) in enumerate(zip(row, widths)):
        text = text if len(text) <= width else text[: max(width - 1, 0)] + "…"
        cell = text.ljust(width)
        if status_colour and i == 2 and row[2] in STATUS_STYLE:
            cell = f"\x1b[{ANSI[STATUS_STYLE[row[2]]]}m{cell}\x1b[0m"
        cells.append(cell)
    line = "  ".join(cells).rstrip()
    return f"\x1b[1m{line}\x1b[0m" if bold else line


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _print_run(doc: dict, folder) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from fertui.terminal_text import printable

    table = Table(box=None, show_header=False, pad_edge=False)

    def add(key: str, value: str) -> None:  # job output and user text: no Rich markup, no escapes
        table.add_row(key, Text(printable(value)))

    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in ("id", "name", "status", "kind", "sweep", "priority", "slot", "slurm_job", "partition", "node",
                "attempts", "error"):
        if doc.get(key) not in (None, "", []):
            add(key, status_text(doc) if key == "status" else str(doc[key]))
    if doc.get("command"):
        add("command", " ".join(doc["command"]))
    if doc.get("params") or doc.get("kind") != "command":  # a command's params are its argv, shown above
        add("params", key_params(doc))
    for key, value in (doc.get("summary") or {}).items():
        shown = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(value)) if key == "updated" else str(value)
        add(f"summary.{key}", shown)
    add("folder", str(folder))
    Console().print(table)
