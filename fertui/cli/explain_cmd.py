"""``fertui explain RUN``: where a trained run's CLS token attends, as PNG grids."""

from typing import Annotated

import typer

from fertui.cli.common import JsonFlag, print_json, workspace


def register(app: typer.Typer) -> None:
    @app.command("explain")
    def explain(
        ctx: typer.Context,
        run: Annotated[str, typer.Argument(help="Run id or name (a finished run of the built-in trainer).")],
        images: Annotated[
            int, typer.Option("--images", "-n", help="Validation images shown (per class with --per-class).")
        ] = 4,
        per_class: Annotated[bool, typer.Option("--per-class", help="One row per class, with its mean map.")] = False,
        out: Annotated[str | None, typer.Option("--out", "-o", help="Folder (default runs/RUN/explain).")] = None,
        formats: Annotated[
            str, typer.Option("--format", help="Figure formats, comma-separated: png, pdf, svg.")
        ] = "png",
        as_json: JsonFlag = False,
    ) -> None:
        """CLS attention maps from the run's best.pt: each CLS block's class attention (clsfer_*), or
        the CLS row of self-attention and its rollout (baseline_*), overlaid on validation faces."""
        from pathlib import Path

        from fertui.explain.figures import blocks_png, per_class_png
        from fertui.explain.run import MAPS_FILE, explain_dir, explain_run, write_maps_json
        from fertui.figures import parse_formats
        from fertui.store import Store

        figure_formats = parse_formats(formats)
        ws = workspace(ctx)
        doc = Store(ws.store_path).resolve_run(run)
        ex = explain_run(ws, doc, images=images, per_class=per_class)
        folder = Path(out) if out else explain_dir(ws, doc["id"])
        folder.mkdir(parents=True, exist_ok=True)
        figures = (  # one file per format asked for
            per_class_png(ex, folder / "attention_per_class.png", figure_formats)
            if per_class
            else blocks_png(ex, folder / "attention_blocks.png", figure_formats)
        )
        maps = write_maps_json(ex, folder / MAPS_FILE)
        if as_json:
            print_json(
                {
                    "run": doc["id"],
                    "png": str(figures[0]),
                    "figures": [str(f) for f in figures],
                    "maps": str(maps),
                    "side": ex.side,
                    "kind": ex.kind,
                    "block_cls_self": ex.block_self,
                }
            )
            return
        typer.echo(
            f"run {doc['id']} ({ex.model}): CLS {ex.kind}, {ex.side}×{ex.side} patches, {len(ex.faces)} image(s) shown"
        )
        typer.echo(
            "  CLS -> CLS self-weight per block (mean over images, left out of the maps): "
            + ", ".join(f"{w:.3f}" for w in ex.block_self)
        )
        for label, amap in sorted(ex.class_means.items()):
            peak = divmod(int(amap.argmax()), ex.side)
            typer.echo(
                f"  {ex.classes[label]:10} mean over {ex.class_counts[label]:4d}: peak at patch "
                f"row {peak[0] + 1}, col {peak[1] + 1} ({amap.max():.3f} of the attention); "
                f"CLS self-weight in the {ex.summary_name} {ex.class_self[label]:.3f}"
            )
        for figure in figures:
            typer.echo(str(figure))
        typer.echo(str(maps))
