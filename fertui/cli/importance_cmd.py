"""``fertui importance SWEEP``: which knobs matter, which can be shown not to, and whether two
of them interact."""

from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace
from fertui.sweeps.planning import DEFAULT_EFFECT
from fertui.terminal_text import inline


def register(app: typer.Typer) -> None:
    @app.command("importance")
    def importance_cmd(
        ctx: typer.Context,
        sweep: Annotated[str, typer.Argument(help="Sweep name (see `fertui sweeps`).")],
        effect: Annotated[
            float,
            typer.Option(
                "--effect", min=0.0, help="Smallest effect of interest (points): the equivalence test's margin."
            ),
        ] = DEFAULT_EFFECT,
        metric: Annotated[
            str | None, typer.Option("--metric", "-m", help="Metric (default: the sweep's objective).")
        ] = None,
        bootstrap: Annotated[
            int, typer.Option("--bootstrap", min=0, help="Resamples of the runs for the importance intervals.")
        ] = 200,
        anova: Annotated[
            str | None,
            typer.Option(
                "--anova",
                help="Two keys, KEY1,KEY2, for a two-way ANOVA "
                "(default optim.weight_decay,optim.lr when "
                "both are axes).",
            ),
        ] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """What matters among the knobs: PED-ANOVA (and fANOVA) importance with bootstrap intervals,
        TOST equivalence against --effect per knob, and a two-way ANOVA for a pair of knobs."""
        from fertui.sweeps.importance_run import run_importance
        from fertui.sweeps.importance_text import (
            anova_lines,
            equivalence_line,
            importance_json,
            importance_lines,
        )

        result = run_importance(workspace(ctx), sweep, effect, metric, bootstrap, anova)
        if as_json:
            print_json(importance_json(result.reports, result.equivalences, result.anova))
            return
        lines = [f"{result.sweep}: what matters for {result.metric} ({result.runs} finished runs)"]
        lines += importance_lines(result.reports)
        lines.append(f"Equivalence at \u00b1{effect:g} (TOST: two one-sided 5 % tests on every pair of values):")
        lines += [equivalence_line(e, result.metric) for e in result.equivalences]
        if result.anova is not None:
            lines += anova_lines(*result.anova)
        for line in lines:
            typer.echo(inline(line))  # axis values come from the store: a hand-edited one may hold escapes
