"""``python -m fertui.bench``: the benchmark as a queued job, configured by the ``[bench]`` section.

Each row becomes a ``bench_row`` event (numbered by ``row``) and a log event when it was
measured (step = row number); the manager turns the ``bench_row`` events into rows of the
store's benchmarks table, so this job, like every job, only writes its run folder. An OOM row is a result, not a failure: it raises no
``oom`` event (that would alert the user) and the job still exits 0.
The full table is written to ``bench.json`` and ``bench.md`` in the run folder.
"""

from __future__ import annotations

import json
import sys

import fertui.report as report
from fertui.errors import UserError


def main() -> int:
    try:
        from fertui.train.jobconfig import job_run_dir, load_job_config

        run_dir = job_run_dir()
        config = load_job_config(run_dir)
    except UserError as exc:
        print(f"fertui.bench: error: {exc}", file=sys.stderr)
        return exc.exit_code
    from fertui.atomicio import atomic_write_text
    from fertui.bench.runner import run_bench
    from fertui.bench.table import markdown

    bench = config["bench"]
    report.start(
        objective="perf/img_per_s",
        direction="maximize",
        models=bench["models"],
        batch_sizes=bench["batch_sizes"],
        mode=bench["mode"],
        steps_per_epoch=0,
        epochs=0,
    )

    def on_row(row) -> None:
        n = on_row.count = getattr(on_row, "count", 0) + 1
        report.event("bench_row", row=n, **row.as_dict())
        if not row.oom:
            report.log(
                {
                    "perf/img_per_s": row.img_per_s,
                    "perf/ms_per_step": row.ms_per_step,
                    "sys/memory_mb": row.memory_mb,
                    "bench/batch_size": row.batch_size,
                },
                step=n,
            )
        print(
            f"{row.model} {row.mode} batch {row.batch_size}: "
            + ("OOM" if row.oom else f"{row.img_per_s:.1f} img/s, {row.memory_mb:.0f} MB"),
            flush=True,
        )

    try:
        rows = run_bench(
            bench["models"],
            bench["batch_sizes"],
            bench["mode"],
            bench["device"],
            bench["amp"],
            bench["steps"],
            bench["warmup"],
            bench["input_size"],
            bench["max_memory_mb"],
            on_row,
            bench["threads"],
        )
    except UserError as exc:
        print(f"fertui.bench: error: {exc}", file=sys.stderr)
        report.close()
        return exc.exit_code
    atomic_write_text(run_dir / "bench.json", json.dumps([r.as_dict() for r in rows], indent=1))
    atomic_write_text(run_dir / "bench.md", markdown(rows))
    report.artifact(run_dir / "bench.json", kind="benchmark")
    report.artifact(run_dir / "bench.md", kind="benchmark")
    measured = [r for r in rows if not r.oom]
    best = max(measured, key=lambda r: r.img_per_s, default=None)
    report.summary(
        **(
            {"perf/img_per_s": best.img_per_s, "best_batch_size": best.batch_size, "best_model": best.model}
            if best
            else {}
        ),
        rows=len(rows),
        oom_rows=len(rows) - len(measured),
    )
    report.close()
    print(markdown(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
