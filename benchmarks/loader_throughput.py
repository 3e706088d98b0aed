"""Training-loader throughput on RAF-DB-shaped data: plain loader per worker count, and data.cache.

Writes COUNT 100x100 aligned-face JPEGs (the built-in synthetic faces, JPEG quality 90, as in
RAF-DB's aligned release) into a temporary ImageFolder with 7 classes, then times whole epochs
of the training loader at batch 256 with hflip and 112 px input, as a RAF-DB run would read it.
Nothing trains: this is the most a loader can feed. Every loader is built (a cache decodes) and
run for one untimed epoch (workers start), then the settings take turns, one epoch each, and
each reports its median img/s: on a shared machine a change in load then hits them all.

Usage: .venv/bin/python benchmarks/loader_throughput.py [--images 3000] [--workers 0,1,2]
       [--caches ram] [--epochs 6] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image

from fertui.config.loader import validate_tree
from fertui.data import build_loaders
from fertui.data.faces import CLASSES, draw_set
from fertui.data.workers import usable_cpus


def write_faces(root: Path, count: int, size: int = 100) -> None:
    images, labels = draw_set(0, 0, count, size)
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = root / "train" / CLASSES[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:05d}.jpg", quality=90)
    for label in CLASSES:  # a token val split: build_loaders wants one
        (root / "val" / label).mkdir(parents=True)
        Image.fromarray(images[0]).save(root / "val" / label / "v.jpg", quality=90)


def build_train_loader(root: Path, **data):
    """(the training loader for these [data] keys, seconds it took to build)."""
    tree = {
        "data": {
            "name": "imagefolder",
            "root": str(root),
            "batch_size": 256,
            "hflip": True,
            "pin_memory": False,
            **data,
        },
        "model": {"input_size": 112},
    }
    start = time.perf_counter()
    loader = build_loaders(validate_tree("loader_throughput", tree).data, seed=0).train
    return loader, time.perf_counter() - start


def epoch_img_per_s(loader) -> float:
    start, seen = time.perf_counter(), 0
    for images, _ in loader:
        seen += images.shape[0]
    return seen / (time.perf_counter() - start)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--workers", default="0,1,2", help="plain-loader worker counts to time")
    parser.add_argument("--caches", default="ram", help='data.cache values to time ("gpu" needs CUDA)')
    parser.add_argument("--epochs", type=int, default=6, help="timed epochs of each setting, alternating")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = []
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="fertui-loader-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_faces(root, args.images)
        print(
            f"wrote {args.images} 100x100 JPEGs in {time.perf_counter() - start:.1f} s "
            f"({sum(p.stat().st_size for p in root.rglob('*.jpg')) / 1e6:.1f} MB)"
        )
        settings = [
            ({"num_workers": int(w)}, f"plain, {w} worker{'s' if w != '1' else ''}")
            for w in args.workers.split(",")
            if w
        ]
        settings += [({"cache": c}, f'cache = "{c}"') for c in args.caches.split(",") if c]
        loaders = []
        for keys, label in settings:
            loader, build_s = build_train_loader(root, **keys)
            epoch_img_per_s(loader)  # untimed: starts the workers
            loaders.append((keys, label, loader, build_s))
            print(f"{label}: built in {build_s:.2f} s", flush=True)
        speeds: dict[str, list[float]] = {label: [] for _, label, _, _ in loaders}
        for r in range(args.epochs):  # one epoch of each in turn, reversed every other round: drifts in load hit all
            for _, label, loader, _ in loaders if r % 2 == 0 else loaders[::-1]:
                speeds[label].append(epoch_img_per_s(loader))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in speeds.items()), flush=True)
        for keys, label, loader, build_s in loaders:
            row = {
                "loader": label,
                **keys,
                "img_per_s": statistics.median(speeds[label]),
                "epochs": [round(s) for s in speeds[label]],
                "build_s": round(build_s, 2),
            }
            rows.append(row)
            print(f"{label}: {row['img_per_s']:.0f} img/s (epochs {row['epochs']}), built in {build_s:.2f} s")
            iterator = getattr(loader, "_iterator", None)
            if iterator is not None:
                iterator._shutdown_workers()
    machine = {
        "cpu": cpu_name(),
        "usable_cpus": usable_cpus(),
        "load_avg_1m": [load_at_start, round(os.getloadavg()[0], 2)],
        "torch": torch.__version__,
        "date": datetime.date.today().isoformat(),
        "images": args.images,
    }
    print(f"\n{machine}\n\n| loader | img/s (median of {args.epochs} epochs) | built (s) |\n|---|---|---|")
    for row in rows:
        print(f"| {row['loader']} | {row['img_per_s']:.0f} | {row['build_s']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
