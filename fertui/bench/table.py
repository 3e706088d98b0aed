"""Benchmark rows as the research notes' "运行效率验证" table: Rich, markdown or JSON."""

from __future__ import annotations

from fertui.bench.runner import BenchRow

COLUMNS = ("Model", "Mode", "Batch Size", "throughput", "ms/step", "FLOPs(G)", "Params(M)", "Memory(M)")


def cells(row: BenchRow) -> list[str]:
    if row.oom:
        measured = ["OOM", "-", "-"]
    else:
        measured = [f"{row.img_per_s:.1f}", f"{row.ms_per_step:.2f}", f"{row.memory_mb:.0f}"]
    return [
        row.model,
        row.mode,
        str(row.batch_size),
        measured[0],
        measured[1],
        f"{row.gmacs:.3f}",
        f"{row.params_m:.3f}",
        measured[2],
    ]


def caption(rows: list[BenchRow]) -> str:
    if not rows:
        return ""
    r = rows[0]
    memory = "peak torch allocation" if r.device.startswith("cuda") else "peak process RSS"
    threads = f", {r.threads} CPU thread(s), load average {r.load_avg:.1f}" if r.threads else ""
    return (
        f"device {r.device}, {r.precision}, input {r.input_size}px{threads}; throughput in img/s; "
        f"FLOPs = GMACs per image; Memory = {memory} in MB"
    )


def load_warning(rows: list[BenchRow]) -> str:
    """One line when any CPU row was measured on a loaded machine, else ""."""
    loaded = [r for r in rows if r.loaded]
    if not loaded:
        return ""
    worst = max(r.load_avg or 0.0 for r in loaded)
    return (
        f"warning: {len(loaded)} of {len(rows)} rows were measured while the machine was loaded "
        f"(load average up to {worst:.1f} with {loaded[0].threads} thread(s)); their throughput may be low"
    )


def markdown(rows: list[BenchRow]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return "\n".join(lines) + f"\n\n{caption(rows)}\n"


def rich_table(rows: list[BenchRow]):
    from rich import box
    from rich.table import Table

    table = Table(caption=caption(rows), header_style="bold", box=box.SIMPLE_HEAD)
    for col in COLUMNS:
        table.add_column(col, justify="left" if col in ("Model", "Mode") else "right", no_wrap=col == "Model")
    for r in rows:
        table.add_row(*cells(r), style="red" if r.oom else None)
    return table
