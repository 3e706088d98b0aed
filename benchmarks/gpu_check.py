"""GPU check: the research notes' efficiency table, the trainer's speed-up, data.cache and GPU slots.

One script for a GPU machine's own ``python3`` (torch, timm, rich, typer; no tinydb, optuna or
textual: nothing here imports them). Everything goes to OUT/gpu_check.json and OUT/gpu_check.md,
rewritten after every section, so a run cut short still leaves what it measured. Sections, in
order of what matters most, each skipped once the time budget is spent:

1. environment: nvidia-smi, torch / CUDA / cuDNN versions, the card's name;
2. slots: fertui's NVML inventory and the slot plan, each slot's CUDA_VISIBLE_DEVICES checked
   from a child process (which card torch sees there);
3. train: Baseline and CLSFER (IR50, depth 8, 112 px, 7 classes) at batch 256 with the trainer's
   own step (bf16 autocast, channels_last, fused AdamW, NaN check): img/s, ms/step, peak
   max_memory_allocated, beside the notes' 1,381 / 1,790 img/s and 21,580 / 18,479 MB;
4. trainer_vs_plain: that step against a plain fp32 loop, same model and batch (target >= 1.8x);
5. data_cache: 3,000 RAF-DB-shaped JPEGs through data.cache = "gpu" (GPU memory as predicted;
   trainer fed by it vs fed a fixed tensor, target within 10 %) and the plain loader with
   num_workers = "auto";
6. compiled: section 3 again with the forward through torch.compile;
7. batch_sweep: batch 64 ... 1024 per model, stopping at the first out-of-memory.
Sections 6 and 7 also stop between measurements once the budget is spent.

Usage (GPU):  python3 benchmarks/gpu_check.py --out "$OUT"          (about 5 minutes;
              --extra-path DIR if that python lacks nvidia-ml-py: DIR holding its pynvml.py)
      (CPU):  python3 benchmarks/gpu_check.py --tiny --out /tmp/gc  (tiny models, seconds; a test runs it)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]  # run as a plain script, nothing installed

import torch  # noqa: E402

NOTES = {
    "baseline_ir50": {"img_per_s": 1381, "memory_mb": 21580},
    "clsfer_ir50": {"img_per_s": 1790, "memory_mb": 18479},
}
TARGETS = {
    "baseline_img_per_s": 5000,
    "trainer_vs_plain": 1.8,
    "clsfer_over_baseline_img_per_s": 1.30,
    "clsfer_over_baseline_memory": 0.86,
    "cache_vs_tensor": 0.90,
}
SWEEP = (64, 128, 256, 512, 1024)

# What a job in a slot sees: run in a child with the slot's environment.
SLOT_PROBE = (
    "import json, torch; n = torch.cuda.device_count(); "
    "print(json.dumps({'device_count': n, 'names': [torch.cuda.get_device_name(i) for i in range(n)]}))"
)


class Report:
    """The JSON document and its markdown, both rewritten in OUT after every section."""

    def __init__(self, out: Path, title: str):
        self.out, self.title = out, title
        self.doc: dict[str, Any] = {"sections": {}}
        self.md: list[str] = []
        out.mkdir(parents=True, exist_ok=True)

    def add(self, name: str, result: dict[str, Any], lines: list[str]) -> None:
        self.doc["sections"][name] = result
        self.md += [f"## {name}", "", *lines, ""]
        self.write()

    def write(self) -> None:
        (self.out / "gpu_check.json").write_text(json.dumps(self.doc, indent=2, default=str))
        (self.out / "gpu_check.md").write_text("\n".join([f"# {self.title}", "", *self.md]))


def run_section(report: Report, name: str, fn: Callable[[], tuple[dict, list[str]]], deadline: float) -> None:
    """One section into the report; an error or the spent budget is recorded, and the next one runs."""
    if time.monotonic() > deadline:
        report.add(name, {"status": "skipped", "why": "time budget spent"}, ["skipped: time budget spent"])
        return
    start = time.monotonic()
    try:
        result, lines = fn()
        result = {"status": "ok", **result}
    except Exception as exc:  # noqa: BLE001 - one failed section must not cost the others
        text = "".join(traceback.format_exception(exc))[-3000:]
        result, lines = (
            {"status": "error", "error": f"{type(exc).__name__}: {exc}", "traceback": text},
            [f"error: {type(exc).__name__}: {exc}"],
        )
    finally:
        from fertui.bench.memory import release

        release(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    result["seconds"] = round(time.monotonic() - start, 1)
    report.add(name, result, lines)
    print(f"[{name}] {result['status']} in {result['seconds']} s", flush=True)


# ---- 1. environment -------------------------------------------------------------------------


def environment(device: torch.device) -> tuple[dict, list[str]]:
    smi = shutil.which("nvidia-smi")
    smi_text = subprocess.run([smi], capture_output=True, text=True, timeout=30).stdout if smi else None
    card = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or platform.machine())
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "device": card,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
        "timm": _version("timm"),
        "capability": list(torch.cuda.get_device_capability(device)) if device.type == "cuda" else None,
        "cpus": os.cpu_count(),
        "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "nvidia_smi": smi_text,
    }
    lines = [
        f"- device: **{card}**, torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"cuDNN {result['cudnn']}, timm {result['timm']}, {result['cpus']} CPUs, {result['date']}",
        "",
        "```",
        (smi_text or "nvidia-smi: not found").strip(),
        "```",
    ]
    return result, lines


def _importable(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except Exception:  # noqa: BLE001
        return None


# ---- 2. slots ---------------------------------------------------------------------------------


def slots(fake_gpus: int) -> tuple[dict, list[str]]:
    from fertui.scheduler.slots import SlotPool, gpu_inventory
    from fertui.workspace import open_workspace

    saved = os.environ.get("FERTUI_FAKE_GPUS")
    if fake_gpus:  # --tiny on a CPU: plan GPU slots anyway, so the child-process path runs
        os.environ["FERTUI_FAKE_GPUS"] = str(fake_gpus)
    try:
        inventory = gpu_inventory()
        with tempfile.TemporaryDirectory(prefix="fertui-gpu-check-") as root:
            pool = SlotPool(open_workspace(root))
    finally:
        if fake_gpus:
            os.environ.pop("FERTUI_FAKE_GPUS") if saved is None else os.environ.update(FERTUI_FAKE_GPUS=saved)
    names = {g.index: g.name for g in inventory}
    seen = []
    for slot in pool.slots:
        env = {**os.environ, **slot.env()}
        child = subprocess.run([sys.executable, "-c", SLOT_PROBE], env=env, capture_output=True, text=True, timeout=120)
        if child.returncode == 0:
            probe = json.loads(child.stdout.strip().splitlines()[-1])
        else:
            probe = {"error": child.stderr[-500:]}
        wanted = [names.get(g) for g in slot.gpus]
        seen.append(
            {
                "slot": slot.name,
                "env": slot.env(),
                "nvml_names": wanted,
                **probe,
                "matches": probe.get("names") == wanted if torch.cuda.is_available() else None,
            }
        )
    result = {
        "pynvml": _importable("pynvml"),
        "fake_gpus": fake_gpus,
        "inventory": [vars(g) for g in inventory],
        "slots": seen,
    }
    lines = [
        f"- pynvml importable: {result['pynvml']}; NVML inventory: "
        + (", ".join(f"{g.index}: {g.name} ({g.free_mb}/{g.total_mb} MB free)" for g in inventory) or "none"),
        "",
        "| slot | CUDA_VISIBLE_DEVICES | NVML name | torch sees in the slot | match |",
        "|---|---|---|---|---|",
    ]
    for s in seen:
        nvml = ", ".join(map(str, s["nvml_names"])) or "-"
        lines.append(
            f"| {s['slot']} | {s['env'].get('CUDA_VISIBLE_DEVICES', '-')} | {nvml} "
            f"| {s.get('names', s.get('error'))} | {s['matches']} |"
        )
    return result, lines


# ---- 3, 6, 7. training steps -----------------------------------------------------------------


def build(name: str, depth: int):
    from models import create_model

    torch.manual_seed(0)
    model = create_model(name, depth=depth)
    return model, int(getattr(model, "input_size", 112)), int(getattr(model, "num_classes", 7))


def timed(name: str, args, precision, batch: int, compile_backend: str | None = None) -> dict:
    from fertui.bench.measure import measure
    from fertui.bench.memory import is_oom, release
    from models.counting import count_gmacs, count_params

    model, size, classes = build(name, args.depth)
    row = {
        "model": name,
        "batch": batch,
        "input_size": size,
        "gmacs": round(count_gmacs(model, size), 3),
        "params_m": round(count_params(model) / 1e6, 3),
        "compile": compile_backend,
    }
    try:
        timing = measure(model, "train", batch, size, precision, args.steps, args.warmup, classes, compile_backend)
    except Exception as exc:  # noqa: BLE001
        if not is_oom(exc):
            raise
        return {**row, "oom": True}
    finally:
        release(precision.device)
    return {
        **row,
        "oom": False,
        "img_per_s": round(timing.img_per_s, 1),
        "ms_per_step": round(timing.ms_per_step, 2),
        "memory_mb": round(timing.memory_mb),
    }


def train_table(args, precision, compile_backend: str | None, deadline: float = float("inf")) -> tuple[dict, list[str]]:
    rows = []
    for name in args.models:
        if time.monotonic() > deadline:  # compiling takes minutes: stop between models, not mid-way
            break
        rows.append(timed(name, args, precision, args.batch, compile_backend))
    lines = [
        "| Model | Batch | img/s | ms/step | GMACs | Params (M) | peak memory (MB) | notes: img/s | notes: MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        note = NOTES.get(r["model"], {})
        cells = (
            ["OOM", "-", "-"] if r["oom"] else [f"{r['img_per_s']:.0f}", f"{r['ms_per_step']:.1f}", f"{r['memory_mb']}"]
        )
        lines.append(
            f"| {r['model']} | {r['batch']} | {cells[0]} | {cells[1]} | {r['gmacs']} | {r['params_m']} "
            f"| {cells[2]} | {note.get('img_per_s', '-')} | {note.get('memory_mb', '-')} |"
        )
    result: dict[str, Any] = {"precision": precision.label, "rows": rows, "cut_short": len(rows) < len(args.models)}
    if result["cut_short"]:
        lines.append(f"cut short: time budget spent after {len(rows)} of {len(args.models)} models")
    done = [r for r in rows if not r["oom"]]
    if len(done) == 2:
        a, b = done
        result["ratio_img_per_s"] = round(b["img_per_s"] / a["img_per_s"], 3)
        result["ratio_memory"] = round(b["memory_mb"] / max(a["memory_mb"], 1), 3)
        lines += [
            "",
            f"{b['model']} / {a['model']}: throughput {result['ratio_img_per_s']:.2f}x "
            f"(notes 1.30x), memory {result['ratio_memory']:.2f}x (notes 0.86x)",
        ]
    if done and not args.tiny:
        lines.append(
            f"target: {done[0]['model']} >= {TARGETS['baseline_img_per_s']} img/s at batch 256: "
            f"{'met' if done[0]['img_per_s'] >= TARGETS['baseline_img_per_s'] else 'NOT met'}"
        )
    return result, lines


def batch_sweep(args, precision, deadline: float = float("inf")) -> tuple[dict, list[str]]:
    rows, cut_short = [], False
    for name in args.models:
        for batch in args.sweep:
            if time.monotonic() > deadline:
                cut_short = True
                break
            row = timed(name, args, precision, batch)
            rows.append(row)
            if row["oom"]:
                break  # larger batches only fail slower
    lines = ["| Model | Batch | img/s | ms/step | peak memory (MB) |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['model']} | {r['batch']} | "
        + ("OOM | - | - |" if r["oom"] else f"{r['img_per_s']:.0f} | {r['ms_per_step']:.1f} | {r['memory_mb']} |")
        for r in rows
    ]
    if cut_short:
        lines.append("cut short: time budget spent")
    return {"rows": rows, "cut_short": cut_short}, lines


# ---- 4. trainer vs plain ---------------------------------------------------------------------


def trainer_vs_plain(args, device) -> tuple[dict, list[str]]:
    from trainer_vs_plain import compare

    model, size, classes = build(args.models[0], args.depth)
    result = compare(
        model,
        args.batch,
        size,
        device,
        args.amp,
        rounds=args.rounds,
        steps=max(1, args.steps // 4),
        num_classes=classes,
    )
    result["model"] = args.models[0]
    lines = [
        "| loop | img/s |",
        "|---|---|",
        f"| trainer step ({result['trainer_precision']} autocast, channels_last on GPU, fused AdamW) "
        f"| {result['trainer_img_per_s']:.0f} |",
        f"| plain fp32 loop | {result['plain_img_per_s']:.0f} |",
        f"| ratio (median of {args.rounds} alternating rounds) | {result['ratio']:.2f}x "
        f"(target >= {TARGETS['trainer_vs_plain']}x) |",
    ]
    return result, lines


# ---- 5. data.cache ----------------------------------------------------------------------------


def write_jpegs(root: Path, count: int) -> None:
    """COUNT 100x100 aligned-face JPEGs in 7 class folders, plus a token val split."""
    from PIL import Image

    from fertui.data.faces import CLASSES, draw_set

    images, labels = draw_set(0, 0, count, 100)
    for split in ("train", "val"):
        for name in CLASSES:
            (root / split / name).mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(image).save(root / "train" / CLASSES[label] / f"{i:05d}.jpg", quality=90)
    for name in CLASSES:
        Image.fromarray(images[0]).save(root / "val" / name / "v.jpg", quality=90)


def data_cache(args, precision) -> tuple[dict, list[str]]:
    from fertui.bench.measure import train_step_for
    from fertui.config.loader import validate_tree
    from fertui.data import build_loaders
    from fertui.data.cache import cache_bytes

    device = precision.device
    on_gpu = device.type == "cuda"
    name = args.models[0]
    model, size, classes = build(name, args.depth)
    model = model.to(device)
    channels_last = precision.channels_last(True)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    step_fn = train_step_for(model, precision, classes, channels_last)
    counter = iter(range(1, 10**9))

    def sync() -> None:
        if on_gpu:
            torch.cuda.synchronize(device)

    def feed(batches, steps: int) -> float:
        """img/s of STEPS training steps on BATCHES (a loader or a list, gone through again as needed),
        after 2 warm-up steps."""
        seen, start, done = 0, 0.0, -2
        while done < steps:
            for images, targets in batches:
                if done == 0:
                    sync()
                    start, seen = time.perf_counter(), 0
                step_fn(images, targets, next(counter))
                seen += images.shape[0]
                done += 1
                if done >= steps:
                    break
        sync()
        return seen / (time.perf_counter() - start)

    def loader_alone(loader, epochs: int = 2) -> float:
        for _ in loader:  # warm: workers start, caches fill
            pass
        sync()
        start, seen = time.perf_counter(), 0
        for _ in range(epochs):
            for images, _ in loader:
                seen += images.shape[0]
        sync()
        return seen / (time.perf_counter() - start)

    x = torch.randn(args.batch, 3, size, size, device=device)
    y = torch.randint(0, classes, (args.batch,), device=device)
    fixed_before = feed([(x, y)], args.steps)
    rows: list[dict[str, Any]] = []
    result: dict[str, Any] = {"model": name, "batch": args.batch, "images": args.cache_images, "rows": rows}
    with tempfile.TemporaryDirectory(prefix="fertui-gpu-check-") as tmp:
        root = Path(tmp)
        write_jpegs(root, args.cache_images)
        settings = [("gpu" if on_gpu else "ram", "auto"), ("none", "auto")]
        for cache, workers in settings:
            tree = {
                "data": {
                    "name": "imagefolder",
                    "root": str(root),
                    "batch_size": args.batch,
                    "hflip": True,
                    "cache": cache,
                    "num_workers": workers,
                },
                "model": {"input_size": size},
                "train": {"device": device.type},
            }
            before = torch.cuda.memory_allocated(device) if on_gpu else 0
            start = time.perf_counter()
            loaders = build_loaders(validate_tree("gpu_check", tree).data, seed=0)
            row: dict[str, Any] = {
                "loader": f'data.cache = "{cache}"'
                if cache != "none"
                else f"plain, num_workers = {loaders.train.num_workers} (auto)",
                "build_s": round(time.perf_counter() - start, 2),
            }
            if cache != "none":
                predicted = cache_bytes(loaders.train_size, size, size) + cache_bytes(loaders.val_size, size, size)
                row["predicted_mb"] = round(predicted / 2**20, 2)
                row["stored_mb"] = round((loaders.train.decoded.nbytes + loaders.val.decoded.nbytes) / 2**20, 2)
                if on_gpu:
                    grown = torch.cuda.memory_allocated(device) - before
                    row["gpu_allocated_mb"] = round(grown / 2**20, 2)
                    row["gpu_memory_as_predicted"] = abs(grown - predicted) <= 2**20  # the allocator rounds up
            row["loader_img_per_s"] = round(loader_alone(loaders.train), 1)
            row["train_img_per_s"] = round(feed(loaders.train, args.steps), 1)
            if cache != "none":
                row.update(same_as_plain(tree))
            iterator = getattr(loaders.train, "_iterator", None)
            if iterator is not None:
                iterator._shutdown_workers()
            rows.append(row)
            del loaders
    # The faster of two fixed-tensor runs (before and after): the ratio below is not flattered by warm-up.
    fixed = max(fixed_before, feed([(x, y)], args.steps))
    for row in rows:
        row["vs_fixed_tensor"] = round(row["train_img_per_s"] / fixed, 3)
    rows.insert(0, {"loader": "fixed tensor (no loader)", "train_img_per_s": round(fixed, 1)})
    lines = [
        f"{name}, batch {args.batch}, {args.cache_images} RAF-DB-shaped 100x100 JPEGs, hflip, {size} px; "
        f"trainer step {precision.label}",
        "",
        "| feed | loader alone (img/s) | training (img/s) | vs fixed tensor | cache MB: predicted / stored / "
        "GPU allocated | built (s) |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        memory = f"{r.get('predicted_mb', '-')} / {r.get('stored_mb', '-')} / {r.get('gpu_allocated_mb', '-')}"
        lines.append(
            f"| {r['loader']} | {r.get('loader_img_per_s', '-')} | {r['train_img_per_s']:.0f} "
            f"| {r.get('vs_fixed_tensor', '-')} | {memory} | {r.get('build_s', '-')} |"
        )
    cached = rows[1]
    lines.append(
        f"\ncached vs plain loader, same seed: val batch equal {cached['val_batch_equal']}, "
        f"train labels in the same order {cached['train_order_equal']}, every train image the plain "
        f"one or its mirror {cached['train_images_plain_or_mirror']}"
        + (f", GPU memory as predicted {cached['gpu_memory_as_predicted']}" if on_gpu else "")
    )
    lines.append(f"\ntarget: the cached feed within 10 % of the fixed tensor (ratio >= {TARGETS['cache_vs_tensor']})")
    return result, lines


def same_as_plain(tree: dict) -> dict[str, bool]:
    """The cached loaders' first batches against the plain loader's for the same seed (on the cache's device)."""
    from fertui.config.loader import validate_tree
    from fertui.data import build_loaders

    plain_tree = {**tree, "data": {**tree["data"], "cache": "none", "num_workers": 0, "hflip": False}}
    plain = build_loaders(validate_tree("gpu_check", plain_tree).data, seed=0)
    fresh = build_loaders(validate_tree("gpu_check", tree).data, seed=0)  # the same epoch 1 as plain's
    (a, ya), (b, yb) = next(iter(plain.val)), next(iter(fresh.val))
    val_equal = torch.equal(ya, yb.cpu()) and torch.allclose(a, b.cpu(), atol=1e-5)
    (a, ya), (b, yb) = next(iter(plain.train)), next(iter(fresh.train))
    b = b.cpu()
    same = torch.isclose(a, b, atol=1e-5).flatten(1).all(1)
    mirror = same | torch.isclose(a.flip(-1), b, atol=1e-5).flatten(1).all(1)
    return {
        "val_batch_equal": bool(val_equal),
        "train_order_equal": bool(torch.equal(ya, yb.cpu())),
        "train_images_plain_or_mirror": bool(mirror.all()),
    }


# ---- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT") or "gpu_check_out"))
    parser.add_argument("--tiny", action="store_true", help="CPU, tiny models and sizes: checks the script itself")
    parser.add_argument("--models", default="baseline_ir50,clsfer_ir50")
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--sweep", default=",".join(map(str, SWEEP)))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--amp", default="bf16", choices=("bf16", "fp16", "off"))
    parser.add_argument("--compile-backend", default="inductor", help='torch.compile backend; "" skips section 7')
    parser.add_argument("--cache-images", type=int, default=3000)
    parser.add_argument(
        "--budget-s",
        type=float,
        default=300,
        help="start no section (nor a measurement in sections 6 and 7) after this many seconds",
    )
    parser.add_argument(
        "--extra-path",
        type=Path,
        action="append",
        default=[],
        help="a folder of pure-Python modules the machine lacks (e.g. pynvml.py from nvidia-ml-py)",
    )
    args = parser.parse_args(argv)
    if args.tiny:  # "eager" still runs Dynamo's capture; inductor would want a C++ compiler and minutes
        args.models, args.depth, args.batch, args.sweep = "baseline_tiny,clsfer_tiny", 2, 8, "4,8"
        args.steps, args.warmup, args.rounds, args.amp, args.cache_images = 2, 1, 2, "off", 70
        args.compile_backend = "eager"
    args.models = args.models.split(",")
    args.sweep = [int(b) for b in args.sweep.split(",") if b]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    deadline = time.monotonic() + args.budget_s
    sys.path += [str(p) for p in args.extra_path]
    from fertui.train.device import pick_device, pick_precision, tune_backends

    if not args.tiny and not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; use --tiny to check the script on a CPU", file=sys.stderr)
        return 2
    device = pick_device("cuda" if not args.tiny else "cpu", "gpu_check", "--tiny")
    precision = pick_precision(device, args.amp)
    tune_backends(device)  # as the trainer does; the plain loop gets it too, so the ratio stays fair
    card = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU (--tiny)"
    report = Report(
        args.out,
        f"GPU check: {card}, torch {torch.__version__}, "
        f"{datetime.date.today().isoformat()}{' (tiny)' if args.tiny else ''}",
    )
    report.doc.update(
        args={k: v if not isinstance(v, Path) else str(v) for k, v in vars(args).items()}, targets=TARGETS, notes=NOTES
    )
    run_section(report, "environment", lambda: environment(device), deadline)
    run_section(report, "slots", lambda: slots(2 if args.tiny else 0), deadline)
    run_section(report, "train", lambda: train_table(args, precision, None), deadline)
    run_section(report, "trainer_vs_plain", lambda: trainer_vs_plain(args, device), deadline)
    run_section(report, "data_cache", lambda: data_cache(args, precision), deadline)
    if args.compile_backend:
        run_section(report, "compiled", lambda: train_table(args, precision, args.compile_backend, deadline), deadline)
    run_section(report, "batch_sweep", lambda: batch_sweep(args, precision, deadline), deadline)
    failed = [n for n, s in report.doc["sections"].items() if s["status"] == "error"]
    print(
        f"wrote {args.out / 'gpu_check.json'} and {args.out / 'gpu_check.md'}"
        + (f"; sections with errors: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
