"""``fertui add``, ``fertui ls`` and ``fertui show``: putting runs in and looking at them."""

import fnmatch
import textwrap
import time
from typing import Annotated

import typer

from fertui.cli.common import (
    ForceOption,
    JsonFlag,
    SetOption,
    command_after_dashes,
    print_json,
    print_json_rows,
    print_json_texts,
    workspace,
)
from fertui.cli.completion import run_states, sweep_names
from fertui.columns import Column, fit, plain_lines, relabel, rich_console, terminal_width, use_colour
from fertui.errors import UserError
from fertui.presentation import (
    duration_text,
    fmt_num,
    params_text,
    present,
    progress_text,
    status_text,
    with_shared_best,
)
from fertui.run_summary import waiting_text
from fertui.store import RUN_STATES, Store
from fertui.terminal_text import inline

LS_LIMIT = 50  # finished runs `fertui ls` shows beside the active ones
clock = time.time  # tests freeze it so ages and running times in snapshots do not drift


def plan_from_cli(ctx: typer.Context, configs: list[str], sets: list[str], force: bool = False) -> list[dict]:
    """Validate every config (or the ``-- COMMAND``) before anything is queued (FORCE: see ForceOption)."""
    from fertui.config import config_from_command, load_config
    from fertui.plan import plan_runs

    ws = workspace(ctx)
    command = command_after_dashes(ctx)
    if not configs and not command:
        raise UserError("give at least one CONFIG file or '-- COMMAND...'")
    resolver = _best_of_resolver(ws)
    docs: list[dict] = []
    if command and not configs:
        docs += plan_runs(config_from_command(command, sets), ws, force)
    for path in configs:
        extra = [f"job.command={_toml_list(command)}"] if command else []
        docs += plan_runs(load_config(_config_path(ws, path), [*sets, *extra], resolver), ws, force)
    return docs


def print_queued_summary(docs: list[dict]) -> None:
    """For each sweep queued, what its runs cover (a pinned axis shows as key=value)."""
    if any(doc.get("sweep") for doc in docs):
        from fertui.sweeps.expand import queued_summary

        for line in queued_summary(docs, terminal_width()):
            typer.echo(inline(line))


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
        force: ForceOption = False,
        after: Annotated[
            list[str] | None,
            typer.Option("--after", help="Start only once this run (id or name) or sweep has ended; repeatable."),
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Queue runs from configs or sweeps (or '-- COMMAND...') and print their ids."""
        import json

        from fertui.plan import enqueue

        extra = [f"run.after={json.dumps(after)}"] if after else []
        docs = plan_from_cli(ctx, configs or [], [*(sets or []), *extra], force)
        ids = enqueue(workspace(ctx), docs)
        if as_json:
            print_json([{"id": i, "name": d["name"]} for i, d in zip(ids, docs)])
        else:
            print_queued_summary(docs)
            for run_id, doc in zip(ids, docs):
                typer.echo(inline(f"{run_id}  {doc['name']}"))
            from fertui.scheduler.daemon import daemon_status

            if daemon_status(workspace(ctx)) is None:  # nothing will start them: say so, not silently
                typer.echo("queued; no scheduler is running: `fertui daemon start` or `fertui run`", err=True)

    @app.command("ls")
    def ls(
        ctx: typer.Context,
        status: Annotated[
            list[str] | None, typer.Option("--status", help="Only these states.", autocompletion=run_states)
        ] = None,
        name: Annotated[str | None, typer.Option("--name", help="Only names matching this glob.")] = None,
        sweep: Annotated[
            str | None, typer.Option("--sweep", help="Only runs of this sweep.", autocompletion=sweep_names)
        ] = None,
        tag: Annotated[str | None, typer.Option("--tag", help="Only runs with this tag.")] = None,
        where: Annotated[
            str | None,
            typer.Option(
                "--where", help="Only runs matching e.g. 'val/acc > 85 and model.depth == 8' (metrics: best values)."
            ),
        ] = None,
        show_all: Annotated[bool, typer.Option("--all", help="Every run, not only active and recent ones.")] = False,
        limit: Annotated[int, typer.Option("--limit", min=1, help="How many finished runs to show.")] = LS_LIMIT,
        as_json: JsonFlag = False,
    ) -> None:
        """List active runs and the most recent finished ones (--all: every run), oldest first."""
        wanted = {s for item in status or [] for s in item.split(",") if s}
        unknown = wanted - set(RUN_STATES)
        if unknown:
            raise UserError(f"--status: unknown state {sorted(unknown)[0]!r}; expected one of {', '.join(RUN_STATES)}")

        from fertui.run_filter import compile_where

        matches = compile_where(where) if where else None

        def keep(r: dict) -> bool:
            return (
                (not wanted or r["status"] in wanted)
                and (matches is None or matches(r))
                and (name is None or fnmatch.fnmatchcase(r.get("name", ""), name))
                and (sweep is None or r.get("sweep") == sweep)
                and (tag is None or tag in r.get("tags", []))
            )

        from fertui.store_partitions import sweep_partition

        store = Store(workspace(ctx).store_path)
        partitions = [sweep_partition(sweep)] if sweep else None  # --sweep: that sweep's file only
        if show_all and as_json:  # the one listing of every run: pass the stored JSON through
            from fertui.jsonio import loads

            rows = store.json_rows(partitions)
            filtered = wanted or name is not None or sweep is not None or tag is not None or where is not None
            print_json_texts(text for _, text in rows if not filtered or keep(loads(text)))
            return
        if show_all:
            source = store.sweep_runs(sweep) if sweep else store.iter_runs_newest_first()
            runs, more = sorted((r for r in source if keep(r)), key=lambda r: r["id"]), False
        else:
            runs, more = store.recent_runs(limit, keep, partitions)
        if as_json:
            print_json_rows(runs)
            return
        _print_runs_table(runs)
        if more:
            typer.echo("(older finished runs not shown: --limit N for more, --all for every run)", err=True)

    @app.command("show")
    def show(
        ctx: typer.Context,
        run: Annotated[str, typer.Argument(help="Run id or name.")],
        as_json: JsonFlag = False,
        classes: Annotated[
            bool, typer.Option("--classes", help="Per-class accuracy and the confusion matrix at the best epoch.")
        ] = False,
        png: Annotated[str | None, typer.Option("--png", help="With --classes: also write this PNG.")] = None,
    ) -> None:
        """Show one run: state, parameters, summary metrics and where its files are."""
        doc = Store(workspace(ctx).store_path).resolve_run(run)
        if classes:
            _show_classes(workspace(ctx), doc, as_json, png)
            return
        if as_json:
            from fertui.provenance.record import read_record

            stage, record, _ = read_record(workspace(ctx).run_dir(doc["id"]))  # the patch stays in its file
            print_json({**doc, "provenance": {"stage": stage, **record}} if stage else doc)
            return
        _print_run(doc, workspace(ctx).run_dir(doc["id"]))


def _show_classes(ws, doc: dict, as_json: bool, png: str | None) -> None:
    from pathlib import Path

    from fertui.sweeps.per_class import require_classes
    from fertui.sweeps.per_class_render import run_class_json, run_class_lines, run_class_png

    found = require_classes(ws.run_dir(doc["id"]), doc["id"])
    written = str(run_class_png(found, Path(png))[0]) if png else None
    if as_json:
        print_json({**run_class_json(found), **({"png": written} if written else {})})
        return
    typer.echo("\n".join(run_class_lines(found)))
    if written:
        typer.echo(written)


RUNS_COLUMNS = (  # display order; rank: the order columns give way on a narrow screen
    Column("id", "id", rank=0, cut="never"),
    Column("name", "name", rank=0, min_width=20, cut="middle"),
    Column("status", "status", rank=0, cut="never"),
    Column("progress", "progress", rank=2, cut="never"),
    Column("best", "best", rank=1, cut="never"),
    Column("duration", "time", rank=4, cut="never"),
    Column("params", "params", rank=3, min_width=12),
    Column("sweep", "sweep", rank=6, min_width=10, cut="middle"),
    Column("age", "age", rank=5, cut="never"),
)


def _print_runs_table(runs: list[dict]) -> None:
    """Plain aligned columns: Rich's table layout costs over a second at 2,000 rows."""
    import sys

    if not runs:
        typer.echo("no runs")
        return
    now = clock()
    lines = [present(r, now) for r in runs]
    best_label, rows = with_shared_best(lines)
    width = terminal_width(sys.stdout)
    fitted = fit(relabel(RUNS_COLUMNS, "best", best_label), rows, width)
    styles = [{"status": line.style} for line in lines]
    out = plain_lines(fitted, rows, styles, use_colour(sys.stdout))
    sys.stdout.write("\n".join([*out, *_unshown_reasons(runs, lines, fitted, width)]) + "\n")


def _unshown_reasons(runs: list[dict], lines: list, fitted: list, width: int | None) -> list[str]:
    """Why queued or held runs wait, under the table, for the runs whose progress cell could not
    show it whole (at 80 columns the column gives way first): the reason is what to act on."""
    shown = next((f.width for f in fitted if f.column.key == "progress"), 0)
    notes = []
    for run, line in zip(runs, lines):
        reason = inline(waiting_text(run))
        if reason and len(reason) > shown:
            note = f"{line.id} {reason}"
            notes += textwrap.wrap(note, width, subsequent_indent="      ") if width else [note]
    return notes


# Shown by their own rows (times, progress, metrics) rather than as raw summary fields.
SUMMARY_SHOWN = ("last", "best", "epochs", "epoch", "step", "steps_per_epoch", "progress", "eta_s", "updated")


def human_number(value) -> str:
    """VALUE for people: floats to 4 significant digits (63.23, 0.0002469), the rest as is."""
    if isinstance(value, float):
        return fmt_num(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {human_number(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(human_number(v) for v in value) + "]"
    return str(value)


def meaningful_best(metric: str) -> bool:
    """The best of a learning rate (its largest value) says nothing about a run."""
    return not (metric == "lr" or metric.endswith("/lr") or metric.endswith("_lr"))


def _when(stamp) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _print_run(doc: dict, folder) -> None:
    from rich.table import Table
    from rich.text import Text

    from fertui.terminal_text import printable

    table = Table(box=None, show_header=False, pad_edge=False)

    def add(key: str, value: str) -> None:  # job output and user text: no Rich markup, no escapes
        table.add_row(key, Text(printable(value)))

    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in (
        "id",
        "name",
        "status",
        "waiting",
        "kind",
        "sweep",
        "priority",
        "slot",
        "slurm_job",
        "partition",
        "node",
        "attempts",
    ):
        if doc.get(key) not in (None, "", []):
            add(key, status_text(doc) if key == "status" else str(doc[key]))
    for key in ("created", "started", "ended"):
        if isinstance(doc.get(key), (int, float)):
            took = ""
            if key == "ended" and isinstance(doc.get("started"), (int, float)):
                took = f"  (ran {duration_text(doc)})"
            add(key, _when(doc[key]) + took)
    if doc.get("exit_code") is not None or doc.get("signal"):
        add("exit", f"code {doc['exit_code']}" if doc.get("exit_code") is not None else f"signal {doc['signal']}")
    if doc.get("error"):
        add("error", str(doc["error"]))
    if doc.get("command"):
        add("command", " ".join(doc["command"]))
    if doc.get("params") or doc.get("kind") != "command":  # a command's params are its argv, shown above
        add("params", params_text(doc))
    summary = doc.get("summary") or {}
    progress = progress_text(doc)
    if progress:
        add("progress", progress + (f", step {summary['step']}" if "epoch" in summary and "step" in summary else ""))
    last, best = summary.get("last") or {}, summary.get("best") or {}
    for metric in [*last, *(m for m in best if m not in last)]:
        parts = [f"last {human_number(last[metric])}"] if metric in last else []
        if metric in best and meaningful_best(metric):
            parts.append(f"best {human_number(best[metric])}")
        if parts:
            add(metric, ", ".join(parts))
    for key, value in summary.items():
        if key not in SUMMARY_SHOWN:
            add(f"summary.{key}", human_number(value))
    if isinstance(summary.get("updated"), (int, float)):
        add("updated", _when(summary["updated"]))
    from fertui.provenance.render import provenance_rows

    for key, value in provenance_rows(folder):
        add(key, value)
    if doc.get("tags"):
        add("tags", " ".join(doc["tags"]))
    for note in doc.get("notes") or []:
        add("note", f"{_when(note.get('time'))}  {note.get('text', '')}")
    if doc.get("cleaned"):
        from fertui.disk import cleaned_note

        add("cleaned", cleaned_note(doc) or "")
    add("folder", str(folder))
    rich_console().print(table)
