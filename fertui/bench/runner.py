"""The benchmark sweep: every model × mode × batch size, stopping a (model, mode) at its first OOM."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from fertui.errors import UserError

MODES = ("train", "infer")
DEFAULT_BATCH_SIZES = [2**k for k in range(10)]  # 1 .. 512


@dataclass
class BenchRow:
    model: str
    mode: str
    batch_size: int
    device: str
    precision: str
    input_size: int
    params_m: float
    gmacs: float  # multiply-accumulates per image, what FER papers call FLOPs
    img_per_s: float | None = None
    ms_per_step: float | None = None
    memory_mb: float | None = None
    oom: bool = False
    note: str = ""
    threads: int = 0  # torch CPU threads used (0: not set, a GPU row)
    load_avg: float | None = None  # 1-minute load average when the row was measured
    loaded: bool = False  # the machine was busier than its cores: figures may be low

    def as_dict(self) -> dict:
        return asdict(self)


def check_model_names(names: list[str]) -> None:
    from models import list_models

    known = list_models()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UserError(f"unknown model '{unknown[0]}'; expected one of {', '.join(sorted(known))}")
    if not names:
        raise UserError("give at least one model name (see `fertui models`)")


def modes_for(mode: str) -> tuple[str, ...]:
    return MODES if mode == "both" else (mode,)


def run_bench(
    names: list[str],
    batch_sizes: list[int],
    mode: str = "both",
    device: str = "auto",
    amp: str = "auto",
    steps: int = 10,
    warmup: int = 3,
    input_size: int = 0,
    max_memory_mb: int = 0,
    on_row: Callable[[BenchRow], None] | None = None,
    threads: int = 0,
) -> list[BenchRow]:
    """Measure each model; ON_ROW sees every row (measured or OOM) as soon as it exists."""
    check_model_names(names)
    if not batch_sizes or any(b < 1 for b in batch_sizes):
        raise UserError(f"batch sizes must be integers >= 1, got {batch_sizes}")
    import torch

    from fertui.bench.measure import measure
    from fertui.bench.memory import cpu_memory_cap, is_oom, release
    from fertui.cpu_load import free_cores, is_loaded, load_average
    from fertui.train.device import pick_device, pick_precision, tune_backends
    from models import create_model
    from models.counting import count_gmacs, count_params

    precision = pick_precision(pick_device(device, "bench", "device"), amp)
    on_cpu = precision.device.type == "cpu"
    if threads == 0 and on_cpu:
        threads = free_cores()  # torch's default (every core) spin-waits beside other jobs
    if threads > 0:
        torch.set_num_threads(threads)
    tune_backends(precision.device)
    if max_memory_mb and precision.device.type != "cpu":
        raise UserError("--max-memory-mb caps CPU memory; a GPU stops at its own out-of-memory")
    rows: list[BenchRow] = []
    for name in names:
        # Built on the CPU; each measurement copies it to the device. Position embeddings fix
        # the input size at build time, so a chosen size is a build argument.
        model = create_model(name, **({"input_size": input_size} if input_size else {}))
        size = input_size or int(getattr(model, "input_size", 112))
        info = dict(
            model=name,
            device=str(precision.device),
            precision=precision.label,
            input_size=size,
            params_m=count_params(model) / 1e6,
            gmacs=count_gmacs(model, size),
        )
        num_classes = getattr(model, "num_classes", 7)
        for m in modes_for(mode):
            for batch in sorted(batch_sizes):
                row = BenchRow(mode=m, batch_size=batch, **info)
                try:
                    with cpu_memory_cap(max_memory_mb):
                        timing = measure(model, m, batch, size, precision, steps, warmup, num_classes)
                    row.img_per_s, row.ms_per_step, row.memory_mb = (
                        timing.img_per_s,
                        timing.ms_per_step,
                        timing.memory_mb,
                    )
                except Exception as exc:  # noqa: BLE001 - only an OOM is a result; the rest re-raise
                    if not is_oom(exc):
                        raise
                    row.oom, row.note = True, str(exc).strip().splitlines()[0][:200]
                release(precision.device)
                if on_cpu:
                    row.threads, row.load_avg = threads, round(load_average(), 2)
                    row.loaded = is_loaded(row.load_avg)
                rows.append(row)
                if on_row:
                    on_row(row)
                if row.oom:
                    break  # larger batches cannot fit either
        del model
        torch.cuda.empty_cache() if torch.cuda.is_available() else None
    return rows
