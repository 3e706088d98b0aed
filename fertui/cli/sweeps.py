"""``fertui board``, ``compare``, ``suggest``, ``export`` and ``sweeps``: reading sweeps."""

import enum
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace
from fertui.cli.completion import sweep_names
from fertui.errors import UserError
from fertui.sweeps.planning import DEFAULT_EFFECT
from fertui.terminal_text import inline


class Format(enum.StrEnum):
    table = "table"
    md = "md"
    csv = "csv"
    json = "json"


class View(enum.StrEnum):
    pivot = "pivot"
    isolation = "isolation"


SweepArg = Annotated[str, typer.Argument(help="Sweep name (see `fertui sweeps`).", autocompletion=sweep_names)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table | md | csv | json")]
MetricOpt = Annotated[str | None, typer.Option("--metric", "-m", help="Metric (default: the sweep's objective).")]


def _console():
    from fertui.columns import rich_console

    return rich_console()


def _emit_rows(fmt: Format, header: list[str], rows: list[list[str]], title: str, extra: list[str]) -> None:
    from fertui.sweeps import render

    if fmt is Format.md:
        typer.echo(render.md_table(header, rows) + ("\n\n" + "\n".join(map(inline, extra)) if extra else ""))
    elif fmt is Format.csv:
        typer.echo(render.rows_csv(header, rows), nl=False)
    else:
        console = _console()
        for table in render.plain_tables(header, rows, title, console.width):
            console.print(table)
        for line in extra:
            console.print(inline(line), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("board")
    def board(
        ctx: typer.Context,
        sweep: SweepArg,
        rows: Annotated[str | None, typer.Option("--rows", help="Row key (default model.depth).")] = None,
        cols: Annotated[str | None, typer.Option("--cols", help="Column key (default optim.lr).")] = None,
        metric: MetricOpt = None,
        view: Annotated[View, typer.Option("--view", help="pivot | isolation (best over nuisance axes)")] = View.pivot,
        fmt: FormatOpt = Format.table,
        references: Annotated[
            bool, typer.Option("--references/--no-references", help="Published results on the same dataset.")
        ] = True,
        delta: Annotated[
            float, typer.Option("--delta", help="Isolation view: LR window within this much of each best (points).")
        ] = 0.5,
    ) -> None:
        """Leaderboard of a sweep: mean ± std over seeds, best cell marked, NaN/failed/pruned shown."""
        from fertui.sweeps import render
        from fertui.sweeps.board import isolation, pivot
        from fertui.sweeps.references import references_for
        from fertui.sweeps.units import cells_fraction_warning, fraction_warning

        ws = workspace(ctx)
        if view is View.isolation:
            from fertui.sweeps.sensitivity import sensitivity_lines, sensitivity_records

            iso = isolation(ws, sweep, key=rows, metric=metric)
            refs = references_for(ws, iso.dataset, iso.metric) if references else None
            # Every run to re-read, not only those of each row's best cell: the pivot names the same.
            warning = cells_fraction_warning(iso.metric, iso.cells, refs)
            if fmt is Format.json:
                print_json(
                    {
                        **_iso_json(iso),
                        "splits": render.split_records(iso.splits),
                        "lr_sensitivity": sensitivity_records(ws, sweep, iso.key, delta, metric),
                        "warnings": [warning] if warning else [],
                    }
                )
                return
            header, lines = render.isolation_rows(iso)
            extra = []
            if fmt is not Format.csv:  # CSV stays a table; the warning goes to stderr below
                windows = sensitivity_lines(ws, sweep, iso.key, delta, metric)
                extra = render.separated([windows, render.isolation_split_lines(iso), [warning] if warning else []])
            _emit_rows(fmt, header, lines, f"{iso.sweep}: {iso.key} at its best {', '.join(iso.nuisance)}", extra)
            if fmt is Format.csv and warning:
                typer.echo(warning, err=True)
            return
        result = pivot(ws, sweep, rows=rows, cols=cols, metric=metric)
        refs = references_for(ws, result.dataset, result.metric) if references else None
        warning = fraction_warning(result, refs)
        if fmt is Format.json:
            print_json({**render.board_json(result, refs), "warnings": [warning] if warning else []})
        elif fmt is Format.md:
            typer.echo(render.board_markdown(result, refs) + (f"\n{warning}\n" if warning else ""), nl=False)
        elif fmt is Format.csv:
            typer.echo(render.board_csv(result), nl=False)
            if warning:
                typer.echo(warning, err=True)
        else:
            console = _console()
            console.print(render.board_rich(result, refs, console.width))
            if warning:
                console.print(warning, markup=False, highlight=False)

    @app.command("compare")
    def compare_cmd(
        ctx: typer.Context,
        sweep: SweepArg,
        by: Annotated[str, typer.Option("--by", help="The key whose values compete, e.g. model.name.")],
        across: Annotated[str | None, typer.Option("--across", help="One row per value (default optim.lr).")] = None,
        metric: MetricOpt = None,
        fmt: FormatOpt = Format.table,
        enqueue: Annotated[
            bool, typer.Option("--enqueue", help="Queue replicates (seeds) of the cells that decide the comparison.")
        ] = False,
        classes: Annotated[
            bool,
            typer.Option(
                "--classes", help="Per-class differences of the deciding cells (from the runs' confusion matrices)."
            ),
        ] = False,
        effect: Annotated[
            float,
            typer.Option(
                "--effect",
                min=0.0,
                help="Smallest difference worth finding (points): power and seeds are planned for it.",
            ),
        ] = DEFAULT_EFFECT,
        epoch: Annotated[
            str, typer.Option("--epoch", help="Each run's value: best (chosen on the test set), last, or mean-last-K.")
        ] = "best",
    ) -> None:
        """A-vs-B table: winner per row, the model's difference with a 95 % CI over LRs and seeds, a verdict."""
        from fertui.sweeps import render
        from fertui.sweeps.compare import compare

        ws = workspace(ctx)
        from fertui.sweeps.epochs import parse_epoch  # with the other sweep modules: paid by this command only

        result = compare(ws, sweep, by=by, across=across, metric=metric, effect=effect, epoch=parse_epoch(epoch))
        queued = []
        if enqueue:
            from fertui.sweeps.replicates import enqueue_replicates

            queued = enqueue_replicates(ws, result)
        per_class = []
        if classes:
            from fertui.sweeps.per_class import comparison_classes

            per_class = comparison_classes(ws, result)
        if fmt is Format.json:
            from fertui.sweeps.per_class_render import class_diff_json

            print_json(
                {
                    **_compare_json(result),
                    "queued": queued,
                    **({"classes": [class_diff_json(c) for c in per_class]} if classes else {}),
                }
            )
            return
        header, lines = render.compare_rows(result)
        command = f"fertui compare {sweep} --by {by}" + (f" --across {across}" if across else "")
        extra = render.pair_lines(result, command) if fmt is not Format.csv else []
        if per_class:
            from fertui.sweeps.per_class_render import class_diff_lines

            extra += [line for c in per_class for line in ["", *class_diff_lines(c)]]
        if queued:
            extra.append(f"queued {len(queued)} replicate run(s): {', '.join(queued)}")
        _emit_rows(fmt, header, lines, f"{result.sweep}: {result.metric} by {result.by}", extra)

    @app.command("suggest")
    def suggest_cmd(
        ctx: typer.Context,
        sweep: SweepArg,
        n: Annotated[int, typer.Option("-n", "--count", help="How many suggestions.")] = 5,
        enqueue: Annotated[bool, typer.Option("--enqueue", help="Queue them as runs of the sweep.")] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """What to run next: untried cells ranked by Optuna, edge extensions, a finer LR grid."""
        from fertui.sweeps.ranking import describe
        from fertui.sweeps.suggest import enqueue_suggestions, suggest

        ws = workspace(ctx)
        found = suggest(ws, sweep, n)
        ids = enqueue_suggestions(ws, sweep, found) if enqueue and found else []
        if as_json:
            print_json(
                {
                    "suggestions": [{"params": s.params, "reason": s.reason, "kind": s.kind} for s in found],
                    "queued": ids,
                }
            )
            return
        if not found:
            typer.echo(f"nothing left to suggest in '{sweep}': every grid cell is queued or tried")
            return
        for i, s in enumerate(found, 1):
            typer.echo(f"{i}. [{s.kind}] {inline(describe(s.params))}\n   {inline(s.reason)}")
        if ids:
            typer.echo(f"queued {len(ids)} run(s): {', '.join(ids)}")

    @app.command("export")
    def export_cmd(
        ctx: typer.Context,
        sweep: SweepArg,
        out: Annotated[str | None, typer.Option("--out", "-o", help="Folder (default runs/exports/SWEEP).")] = None,
        html: Annotated[bool, typer.Option("--html", help="Write one self-contained HTML report instead.")] = False,
        include_env: Annotated[bool, typer.Option("--include-env", help="Show [job.env] values in the HTML.")] = False,
        by: Annotated[
            str | None, typer.Option("--by", help="Also the comparison by this key: verdict and per-class differences.")
        ] = None,
        paper: Annotated[bool, typer.Option("--paper", help="Also the paper's table (markdown and LaTeX).")] = False,
        formats: Annotated[
            str, typer.Option("--format", help="Figure formats, comma-separated: png, pdf, svg.")
        ] = "png",
    ) -> None:
        """Write markdown tables, CSV and figures (accuracy vs LR, heatmap, loss curves, LR windows)
        sized for a two-column paper."""
        from pathlib import Path

        from fertui.config import sanitize_name
        from fertui.figures import parse_formats
        from fertui.sweeps.export import export

        figure_formats = parse_formats(formats)

        ws = workspace(ctx)
        # a sweep named `../../x` or `/etc` must not choose where the files go
        folder = Path(out) if out else ws.runs_dir / "exports" / sanitize_name(sweep)
        if folder.exists() and not folder.is_dir():
            raise UserError(
                f"{folder}: --out names a file; export writes a folder of tables and plots there: "
                "give a folder (it is made if missing)"
            )
        if html:
            from fertui.sweeps.webreport import write_report

            typer.echo(str(write_report(ws, [sweep], folder / f"{sanitize_name(sweep)}.html", include_env)))
            return
        exported = export(ws, sweep, folder, by=by, paper=paper, formats=figure_formats)
        for path in exported.paths:
            typer.echo(str(path))
        for warning in exported.warnings:  # stderr: stdout stays the list of files written
            typer.echo(inline(warning), err=True)

    @app.command("sweeps")
    def sweeps_cmd(ctx: typer.Context, as_json: JsonFlag = False) -> None:
        """List sweeps: strategy, axes, runs by state and the best objective so far."""
        from fertui.sweeps.listing import sweep_summaries

        rows = sweep_summaries(workspace(ctx))
        if as_json:
            print_json(rows)
            return
        if not rows:
            typer.echo("no sweeps")
            return
        from fertui.columns import Column, fit, plain_lines, terminal_width
        from fertui.metrics import parse_direction

        columns = [  # in display order; rank: which go first on a narrow screen
            Column("sweep", "sweep", 0, 10, "middle"),
            Column("strategy", "strategy", 4, 4),
            Column("objective", "objective", 2, 10),
            Column("best", "best", 0, cut="never"),
            Column("runs", "runs", 1, 8),
            Column("axes", "axes", 3, 12),
        ]
        cells = [
            {
                "sweep": r["name"],
                "strategy": r["strategy"],
                "objective": f"{r['objective']} ({parse_direction(r['direction']).short})",
                "best": "—" if r["best"] is None else f"{r['best']:.4g}",
                "runs": " ".join(f"{k}={v}" for k, v in sorted(r["states"].items())) or "none",
                "axes": r["axes"],
            }
            for r in rows
        ]
        cells = [{k: inline(v) for k, v in row.items()} for row in cells]  # sweep names and axis values: no escapes
        typer.echo("\n".join(plain_lines(fit(columns, cells, terminal_width()), cells)))


def _iso_json(iso) -> dict:
    return {
        "sweep": iso.sweep,
        "metric": iso.metric,
        "key": iso.key,
        "nuisance": iso.nuisance,
        "rows": [
            {
                "value": r.value,
                "mean": r.stats.mean if r.stats else None,
                "std": r.stats.std if r.stats else None,
                "n": r.stats.n if r.stats else 0,
                "params": r.stats.params if r.stats else {},
                "tried": r.tried,
                "best": r.best,
            }
            for r in iso.rows
        ],
    }


def _compare_json(cmp) -> dict:
    from fertui.sweeps.compare_json import pair_json

    return {
        "sweep": cmp.sweep,
        "metric": cmp.metric,
        "by": cmp.by,
        "across": cmp.across,
        "rows": [
            {
                "across": row.across_value,
                "winner": row.winner,
                "means": {str(b): s.mean for b, s in row.stats.items()},
                "stds": {str(b): s.std for b, s in row.stats.items()},
            }
            for row in cmp.rows
        ],
        "wins": {str(b): w for b, w in cmp.wins.items()},
        "seed_noise": {"sd": cmp.noise.sd, "df": cmp.noise.df, "cells": cmp.noise.cells},
        "pairs": [pair_json(cmp, p) for p in cmp.pairs],
    }
