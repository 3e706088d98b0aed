"""``fertui reingest`` (re-read finished runs) and ``fertui capture test`` (try a setting on a log)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, SetOption, print_json, workspace

capture_app = typer.Typer(
    help="What fertui reads from a job's printed output (see docs/capture.md).", no_args_is_help=True
)


@capture_app.command("test")
def capture_test(
    log: Annotated[Path, typer.Argument(help="A saved log: a run's stdout.log or any training output.")],
    preset: Annotated[str | None, typer.Option("--preset", help="A preset name, or auto (default).")] = None,
    pattern: Annotated[
        str | None,
        typer.Option("--pattern", help="A regular expression with named groups, e.g. 'top1 (?P<val_acc>[\\d.]+)'."),
    ] = None,
    objective: Annotated[str | None, typer.Option("--objective", help="The metric a sweep would need.")] = None,
    sets: SetOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show what an output_scalars setting would capture from LOG, before a run is queued."""
    # imported here, as in every command: `fertui --help` stays light
    from fertui.capture.log_check import read_log, reading_lines, require_preset
    from fertui.capture.scalars import check_spec
    from fertui.config.loader import parse_set
    from fertui.errors import UserError
    from fertui.metrics import DEFAULT_OBJECTIVE

    if preset is not None and pattern is not None:
        raise UserError(
            "--preset and --pattern: give one of them (a pattern may name a preset inside a list in the config instead)"
        )
    if not log.is_file():
        raise UserError(f"{log}: no such log file")
    job: dict = {}
    for dotted, value in (parse_set(text) for text in sets or []):
        section, _, key = dotted.partition(".")
        if section != "job":
            raise UserError(f"--set {dotted}: capture test takes [job] keys only (e.g. job.metrics_scale)")
        job[key] = value
    if preset is not None:
        job["output_scalars"] = require_preset(preset)
    elif pattern is not None:
        problem = check_spec([pattern])
        if problem:
            raise UserError(f"--pattern: {problem.partition(']: ')[2]}")
        job["output_scalars"] = [pattern]
    reading = read_log(log, job, objective or DEFAULT_OBJECTIVE)
    if as_json:
        print_json(reading.to_json())
        return
    for line in reading_lines(reading):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(capture_app, name="capture")

    @app.command("reingest")
    def reingest(
        ctx: typer.Context,
        runs: Annotated[list[str], typer.Argument(help="Run ids or names (finished runs).")],
        sets: SetOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Re-read finished runs' kept output (stdout.log, TensorBoard, CSV) with new capture settings,
        e.g. --set job.output_scalars=dan; updates their summaries, sweep boards and Optuna trials."""
        # imported here, as in every command: `fertui --help` stays light
        from fertui.scheduler.reingest import (
            capture_sets,
            carry_to_sweep,
            reingest_lines,
            reingest_run,
            require_finished,
        )
        from fertui.store import Store

        ws = workspace(ctx)
        store = Store(ws.store_path)
        overrides = capture_sets(sets or [])
        docs = require_finished([store.resolve_run(ref) for ref in runs])  # all checked before any is rewritten
        results = [reingest_run(ws, store, doc, overrides) for doc in docs]
        trial_lines: list[str] = []
        sweep_lines: list[str] = []
        for sweep in sorted({r.sweep for r in results if r.sweep}):
            from fertui.sweeps.retell import (
                retell,  # Optuna loads only when a sweep's runs were re-read
            )

            trial_lines += retell(ws, sweep, {r.run_id for r in results if r.sweep == sweep})
            # the runs the sweep queues next are built from its stored base: they must read alike
            carried = carry_to_sweep(store, sweep, overrides)
            if carried:
                sweep_lines.append(carried)
        if as_json:
            print_json({"runs": [r.__dict__ for r in results], "trials": trial_lines, "sweeps": sweep_lines})
            return
        for line in reingest_lines(results) + trial_lines + sweep_lines:
            typer.echo(line)
