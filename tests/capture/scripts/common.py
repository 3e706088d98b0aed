"""What every test script shares: arguments, the known accuracy curve, the gate, the NaN hang."""

import argparse
import os
import sys
import time


def args(extra=()):
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--gate", required=True)
    parser.add_argument("--nan-lr", type=float, default=0.2, help="from this LR on, the loss turns NaN")
    parser.add_argument("--out", default=".")
    for name in extra:
        parser.add_argument(name)
    return parser.parse_args()


def accuracy(lr, epoch):
    return 60 + 100 * lr + epoch


def epochs(opts):
    """Epochs 1..3 as (epoch, loss, val_acc); waits for the gate after the first; hangs after NaN."""
    for epoch in (1, 2, 3):
        nan = opts.lr >= opts.nan_lr and epoch > 1  # as in the notes: a large LR goes NaN
        yield epoch, float("nan") if nan else 1.0 / epoch, accuracy(opts.lr, epoch)
        sys.stdout.flush()
        if nan:
            time.sleep(60)
            print("survived the NaN", flush=True)
            sys.exit(1)
        if epoch == 1:
            deadline = time.time() + 60
            while not os.path.exists(opts.gate) and time.time() < deadline:
                time.sleep(0.05)
