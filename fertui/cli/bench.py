"""``fertui bench MODEL...``: throughput, time per step and peak memory over batch sizes."""

import sys
from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json
from fertui.errors import UserError


def parse_batch_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise UserError(f"--batch-sizes: expected comma-separated integers >= 1, e.g. 1,2,4, got {text!r}")
    return sizes


def register(app: typer.Typer) -> None:
    @app.command("bench")
    def bench_cmd(
        ctx: typer.Context,
        models: Annotated[list[str], typer.Argument(help="Model names (see `fertui models`).")],
        batch_sizes: Annotated[
            str, typer.Option("--batch-sizes", "-b", help="Comma-separated.")
        ] = "1,2,4,8,16,32,64,128,256,512",
        device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
        mode: Annotated[str, typer.Option(help="train, infer or both.")] = "both",
        steps: Annotated[int, typer.Option(help="Timed steps per measurement.")] = 10,
        warmup: Annotated[int, typer.Option(help="Untimed steps before timing.")] = 3,
        amp: Annotated[str, typer.Option(help="auto (bf16 on GPU, off on CPU), bf16, fp16 or off.")] = "auto",
        input_size: Annotated[int, typer.Option(help="Image side in pixels; 0 = the model's default.")] = 0,
        max_memory_mb: Annotated[
            int, typer.Option(help="CPU only: stop a model at the first batch needing more than this many extra MB.")
        ] = 0,
        threads: Annotated[
            int, typer.Option(help="CPU threads for torch; 0 = the cores not busy with other work.")
        ] = 0,
        markdown_out: Annotated[bool, typer.Option("--markdown", help="Print a markdown table.")] = False,
        save: Annotated[bool, typer.Option("--save", help="Also record the rows in the workspace store.")] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Benchmark models like the notes' efficiency table (stops a model cleanly at its first OOM)."""
        checks = {
            "device": (device, ("auto", "cpu", "cuda")),
            "mode": (mode, ("train", "infer", "both")),
            "amp": (amp, ("auto", "bf16", "fp16", "off")),
        }
        for flag, (value, choices) in checks.items():
            if value not in choices:
                raise UserError(f"--{flag}: expected one of {', '.join(choices)}, got {value!r}")
        if steps < 1 or min(warmup, input_size, max_memory_mb, threads) < 0:
            raise UserError("--steps must be >= 1; --warmup, --input-size, --max-memory-mb and --threads >= 0")
        sizes = parse_batch_sizes(batch_sizes)
        from fertui.bench.runner import run_bench

        def progress(row) -> None:
            if sys.stderr.isatty():
                typer.echo(
                    f"  {row.model} {row.mode} batch {row.batch_size}: "
                    + ("OOM" if row.oom else f"{row.img_per_s:.1f} img/s"),
                    err=True,
                )

        rows = run_bench(models, sizes, mode, device, amp, steps, warmup, input_size, max_memory_mb, progress, threads)
        from fertui.bench.table import load_warning

        warning = load_warning(rows)
        if warning:
            typer.echo(f"fertui: {warning}" + (" (kept with loaded = true)" if save else ""), err=True)
        if save:
            from fertui.cli.common import workspace
            from fertui.store import Store

            store = Store(workspace(ctx).store_path)
            for row in rows:
                store.add_benchmark({"run": None, **row.as_dict()})
        if as_json:
            print_json([r.as_dict() for r in rows])
        elif markdown_out:
            from fertui.bench.table import markdown

            typer.echo(markdown(rows))
        else:
            from fertui.bench.table import rich_table
            from fertui.columns import rich_console

            rich_console().print(rich_table(rows))  # a pipe gets the whole table, not Rich's 80 columns
