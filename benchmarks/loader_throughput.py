"""Training-loader throughput on RAF-DB-shaped data: plain loader per worker count, and data.cache.

Writes COUNT 100x100 aligned-face JPEGs (the built-in synthetic faces, JPEG quality 90, as in
RAF-DB's aligned release) into a temporary ImageFolder with 7 classes, then times whole epochs
of the training loader at batch 256 with hflip and 112 px input, as a RAF-DB run would read it.
Nothing trains: this is the most a loader can feed. Each setting gets one untimed epoch (worker
start-up, cache decode), then the median img/s of the timed epochs.

Usage: .venv/bin/python benchmarks/loader_throughput.py [--images 3000] [--workers 0,1,2]
       [--caches ram] [--epochs 3] [--json out.json]
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


def epoch_speeds(root: Path, epochs: int, **data) -> tuple[float, list[float]]:
    """(seconds to build the loaders, img/s of each timed epoch)."""
    tree = {"data": {"name": "imagefolder", "root": str(root), "batch_size": 256, "hflip": True,
                     "pin_memory": False, **data}, "model": {"input_size": 112}}
    start = time.perf_counter()
    loader = build_loaders(validate_tree("loader_throughput", tree).data, seed=0).train
    build_s = time.perf_counter() - start
    speeds = []
    for epoch in range(epochs + 1):
        start, seen = time.perf_counter(), 0
        for images, _ in loader:
            seen += images.shape[0]
        if epoch:  # the first epoch starts workers: untimed
            speeds.append(seen / (time.perf_counter() - start))
    iterator = getattr(loader, "_iterator", None)
    if iterator is not None:
        iterator._shutdown_workers()
    return build_s, speeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--workers", default="0,1,2", help="plain-loader worker counts to time")
    parser.add_argument("--caches", default="ram", help='data.cache values to time ("gpu" needs CUDA)')
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fertui-loader-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_faces(root, args.images)
        print(f"wrote {args.images} 100x100 JPEGs in {time.perf_counter() - start:.1f} s "
              f"({sum(p.stat().st_size for p in root.rglob('*.jpg')) / 1e6:.1f} MB)")
        settings = [({"num_workers": int(w)}, f"plain, {w} worker{'s' if w != '1' else ''}")
                    for w in args.workers.split(",") if w]
        settings += [({"cache": c}, f'cache = "{c}"') for c in args.caches.split(",") if c]
        for keys, label in settings:
            build_s, speeds = epoch_speeds(root, args.epochs, **keys)
            row = {"loader": label, **keys, "img_per_s": statistics.median(speeds),
                   "epochs": [round(s) for s in speeds], "build_s": round(build_s, 2)}
            rows.append(row)
            print(f"{label}: {row['img_per_s']:.0f} img/s (epochs {row['epochs']}), loaders built in {build_s:.2f} s",
                  flush=True)
    machine = {"cpu": platform.processor() or platform.machine(), "usable_cpus": usable_cpus(),
               "load_avg_1m": round(os.getloadavg()[0], 2), "torch": torch.__version__,
               "date": datetime.date.today().isoformat(), "images": args.images}
    print(f"\n{machine}\n\n| loader | img/s (median of {args.epochs} epochs) | loaders built (s) |\n|---|---|---|")
    for row in rows:
        print(f"| {row['loader']} | {row['img_per_s']:.0f} | {row['build_s']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
