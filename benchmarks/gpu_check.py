"""GPU check for the research notes' efficiency table and the trainer's speed-up (run on a GPU machine).

1. Baseline and CLSFER (IR50, depth 8) at batch 256, training mode, AMP bf16 (the trainer's
   step, channels_last): img/s, time per step, peak memory. The notes saw CLSFER at 1.30x the
   Baseline's throughput and 0.86x its memory.
2. The trainer's step (bf16 autocast, channels_last) against a plain fp32 loop on the Baseline
   at the same batch, alternating rounds in one process. Target: >= 1.8x.
Prints markdown tables to paste into BENCHMARKS.md with the card's name.

Usage: .venv/bin/python benchmarks/gpu_check.py [--batch 256] [--steps 20] [--rounds 5]
       (--device cpu --models baseline_tiny,clsfer_tiny --batch 8 only to smoke-test the script)
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trainer_vs_plain import compare  # noqa: E402

from fertui.bench.measure import measure  # noqa: E402
from fertui.bench.memory import is_oom, release  # noqa: E402
from fertui.train.device import pick_device, pick_precision, tune_backends  # noqa: E402
from models import create_model  # noqa: E402
from models.counting import count_gmacs, count_params  # noqa: E402


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="baseline_ir50,clsfer_ir50")
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--amp", default="bf16", choices=("bf16", "fp16", "off"))
    args = parser.parse_args()
    device = pick_device(args.device, "gpu_check", "--device")
    precision = pick_precision(device, args.amp)
    tune_backends(device)  # as the trainer does; the plain loop gets it too, so the ratio stays fair
    names = args.models.split(",")
    print(f"# GPU check: {device_name(device)}, torch {torch.__version__}, "
          f"{datetime.date.today().isoformat()}\n")
    print(f"## Training step, batch {args.batch}, {precision.label} autocast, channels_last "
          f"({args.steps} timed steps after {args.warmup} warm-up)\n")
    print("| Model | Batch Size | throughput (img/s) | time/step (ms) | FLOPs(G) | Params(M) | Memory(M) |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for name in names:
        torch.manual_seed(0)
        model = create_model(name, depth=args.depth)
        size = int(getattr(model, "input_size", 112))
        gmacs, params_m = count_gmacs(model, size), count_params(model) / 1e6
        try:
            timing = measure(model, "train", args.batch, size, precision, args.steps, args.warmup,
                             getattr(model, "num_classes", 7))
        except Exception as exc:  # noqa: BLE001
            if not is_oom(exc):
                raise
            print(f"| {name} | {args.batch} | OOM | - | {gmacs:.3f} | {params_m:.3f} | - |")
            continue
        finally:
            release(device)
        results[name] = timing
        print(f"| {name} | {args.batch} | {timing.img_per_s:.0f} | {timing.ms_per_step:.1f} | {gmacs:.3f} "
              f"| {params_m:.3f} | {timing.memory_mb:.0f} |")
    if len(results) == 2:
        (a, ta), (b, tb) = results.items()
        print(f"\n{b} / {a}: throughput {tb.img_per_s / ta.img_per_s:.2f}x (notes: 1.30x), "
              f"memory {tb.memory_mb / ta.memory_mb:.2f}x (notes: 0.86x)")

    name = names[0]
    torch.manual_seed(0)
    model = create_model(name, depth=args.depth)
    size = int(getattr(model, "input_size", 112))
    result = compare(model, args.batch, size, device, args.amp, rounds=args.rounds, steps=max(1, args.steps // 4))
    print(f"\n## Trainer step vs plain fp32 loop: {name}, batch {args.batch} "
          f"(median of {args.rounds} alternating rounds)\n")
    print("| loop | img/s |")
    print("|---|---|")
    print(f"| trainer step ({result['trainer_precision']} autocast, channels_last) | {result['trainer_img_per_s']:.0f} |")
    print(f"| plain fp32 loop | {result['plain_img_per_s']:.0f} |")
    print(f"| ratio | {result['ratio']:.2f}x (target >= 1.8x) |")


if __name__ == "__main__":
    main()
