"""timm's train.py as far as its output goes: its logging lines and output/<exp>/summary.csv."""

import csv
import logging
import os

from common import args, epochs

logging.basicConfig(level=logging.INFO, format="%(message)s")  # timm logs to stderr
log = logging.getLogger("train")
opts = args()
folder = os.path.join(opts.out, "train", "20261201-120000-resnet18-112")
os.makedirs(folder, exist_ok=True)
for epoch, loss, acc in epochs(opts):
    e = epoch - 1  # timm counts epochs from 0
    for idx in (0, 9):
        log.info(
            f"Train: {e} [{idx:>4d}/10 ({100.0 * (idx + 1) / 10:>3.0f}%)]  Loss: {loss:#.3g} ({loss:#.3g})  "
            f"Time: 0.123s, 1040.65/s  (0.130s,  984.62/s)  LR: {opts.lr:.3e}  Data: 0.010 (0.012)"
        )
    log.info(
        f"Test: [   9/9]  Time: 0.011 (0.012)  Loss:  {loss:>7.3f} ({loss:>6.3f})  "
        f"Acc@1: {acc:>7.3f} ({acc:>7.3f})  Acc@5: 100.000 (100.000)"
    )
    path = os.path.join(folder, "summary.csv")
    new = not os.path.exists(path)
    with open(path, "a") as fh:
        writer = csv.DictWriter(fh, fieldnames=["epoch", "train_loss", "eval_loss", "eval_top1", "eval_top5", "lr"])
        if new:
            writer.writeheader()
        writer.writerow(
            {"epoch": e, "train_loss": loss, "eval_loss": loss, "eval_top1": acc, "eval_top5": 100.0, "lr": opts.lr}
        )
