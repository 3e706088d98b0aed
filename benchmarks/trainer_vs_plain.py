"""The trainer's training step against a plain hand-written fp32 PyTorch loop.

Same model (two copies of one initialisation), same batch, same optimizer (AdamW), measured
in one process in alternating rounds so machine noise hits both alike. The trainer's side is
``fertui.train.step.TrainStep`` built from the default config (autocast "auto": bf16 on GPU,
fp32 on CPU; channels_last on GPU; the per-step NaN check). The plain side is the textbook loop:
zero_grad, forward, cross-entropy, backward, step, in fp32.

Usage: .venv/bin/python benchmarks/trainer_vs_plain.py [--model clsfer_tiny] [--batch 64]
       [--input-size 48] [--rounds 20] [--steps 3] [--device auto] [--threads 0]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch import nn

from fertui.config.schema import defaults
from fertui.train.device import pick_device, pick_precision, tune_backends
from fertui.train.optim import build_optimizer, build_scheduler
from fertui.train.step import TrainStep


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def trainer_step(model: nn.Module, device: torch.device, amp: str, num_classes: int):
    config = defaults()
    precision = pick_precision(device, amp)
    model = model.to(device)
    if precision.channels_last(config["train"]["channels_last"]):
        model = model.to(memory_format=torch.channels_last)
    optimizer = build_optimizer(model.parameters(), config["optim"], device.type)
    scheduler = build_scheduler(optimizer, config["sched"], config["optim"]["lr"], 1000, 100)
    step_fn = TrainStep(model, optimizer, scheduler, precision, config["train"], num_classes)
    counter = iter(range(1, 10**9))
    return (lambda x, y: step_fn(x, y, next(counter))), precision.label


def plain_step(model: nn.Module, device: torch.device):
    config = defaults()["optim"]
    model = model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=config["lr"],
        betas=(config["beta1"], config["beta2"]),
        eps=config["eps"],
        weight_decay=config["weight_decay"],
    )
    criterion = nn.CrossEntropyLoss()

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()

    return step


def compare(
    model: nn.Module,
    batch: int,
    input_size: int,
    device: torch.device,
    amp: str = "auto",
    rounds: int = 7,
    steps: int = 10,
    warmup: int = 3,
    num_classes: int = 7,
    control: bool = False,
) -> dict:
    """Median img/s of each side, and of their per-round ratio, over ROUNDS alternating rounds of STEPS steps.

    CONTROL runs a second plain loop in the trainer's place: its ratio shows the noise floor.
    """
    model.train()
    if control:
        trainer, precision = plain_step(copy.deepcopy(model), device), "fp32 (control: plain loop)"
    else:
        trainer, precision = trainer_step(copy.deepcopy(model), device, amp, num_classes)
    plain = plain_step(copy.deepcopy(model), device)
    x = torch.randn(batch, 3, input_size, input_size, device=device)
    y = torch.randint(0, num_classes, (batch,), device=device)
    sides = {"trainer": trainer, "plain": plain}
    for fn in sides.values():
        for _ in range(warmup):
            fn(x, y)
    speeds: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides.items())
    for r in range(rounds):
        for name, fn in order if r % 2 == 0 else order[::-1]:  # ABBA: drift hits both sides alike
            _sync(device)
            start = time.perf_counter()
            for _ in range(steps):
                fn(x, y)
            _sync(device)
            speeds[name].append(batch * steps / (time.perf_counter() - start))
    trainer_ips, plain_ips = (statistics.median(speeds[n]) for n in ("trainer", "plain"))
    # Each round's two sides ran back to back, so their ratio cancels slow drifts in machine load.
    ratio = statistics.median(t / p for t, p in zip(speeds["trainer"], speeds["plain"]))
    return {
        "trainer_img_per_s": trainer_ips,
        "plain_img_per_s": plain_ips,
        "ratio": ratio,
        "trainer_precision": precision,
        "rounds": rounds,
        "steps": steps,
        "batch": batch,
        "input_size": input_size,
        "device": str(device),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="clsfer_tiny")
    parser.add_argument("--depth", type=int, default=0, help="model depth; 0 = the model's default")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input-size", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--amp", default="auto", choices=("auto", "bf16", "fp16", "off"))
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--control", action="store_true", help="plain loop vs plain loop: the noise floor")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    from models import create_model

    torch.manual_seed(0)
    model = create_model(args.model, **({"depth": args.depth} if args.depth else {}))
    device = pick_device(args.device)
    tune_backends(device)  # what the trainer does on a GPU; both sides share it
    result = compare(
        model, args.batch, args.input_size, device, args.amp, args.rounds, args.steps, control=args.control
    )
    print(
        f"model {args.model}, batch {args.batch}, {args.input_size}px, {result['device']}, "
        f"{torch.get_num_threads()} threads, trainer in {result['trainer_precision']}"
        f"{' + channels_last' if result['device'].startswith('cuda') else ''}, plain in fp32"
    )
    print(f"| loop | img/s (median of {args.rounds} rounds) |")
    print("|---|---|")
    print(f"| trainer step | {result['trainer_img_per_s']:.1f} |")
    print(f"| plain fp32 loop | {result['plain_img_per_s']:.1f} |")
    print(f"| ratio trainer/plain (median of per-round ratios) | {result['ratio']:.3f} |")


if __name__ == "__main__":
    main()
