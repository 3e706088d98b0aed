"""``python -m fertui.train [--resume]``: the trainer job (see fertui/train/loop.py)."""

from __future__ import annotations

import argparse
import os
import sys

import fertui.report as report
from fertui.errors import UserError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fertui.train", description=__doc__)
    parser.add_argument(
        "--resume", action="store_true", help="continue from checkpoints/last.pt (also automatic when that file exists)"
    )
    args = parser.parse_args(argv)
    try:
        from fertui.train.jobconfig import job_run_dir, load_job_config

        run_dir = job_run_dir()
        config = load_job_config(run_dir)
    except UserError as exc:
        print(f"fertui.train: error: {exc}", file=sys.stderr)
        return exc.exit_code

    import torch

    from fertui.train import checkpoint as ckpt
    from fertui.train.loop import Trainer

    try:
        trainer = Trainer(config, run_dir)
        last = ckpt.last_path(run_dir)
        # A requeued run (lost, cancelled, crashed) picks up where its last epoch ended.
        resume_from = last if last.exists() else None
        if args.resume and resume_from is None:
            print(f"no checkpoint at {last}; starting from scratch", flush=True)
        return trainer.run(resume_from)
    except UserError as exc:
        print(f"fertui.train: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (torch.OutOfMemoryError, MemoryError, RuntimeError) as exc:
        from fertui.bench.memory import is_oom

        if not is_oom(exc):  # CUDA's OutOfMemoryError, or the CPU allocator's "can't allocate memory"
            raise
        report.oom(message=str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__)
        print(f"out of memory: {exc}", file=sys.stderr)
        return report.EXIT_OOM
    finally:
        report.close()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and fsynced (events, checkpoints); torch's interpreter teardown takes
    # ~2 s on CPU and longer on GPU, holding the slot after a NaN stop: skip it.
    os._exit(code)
