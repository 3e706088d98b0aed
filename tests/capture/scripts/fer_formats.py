# ruff: noqa: UP031  (the %-formats are the formats under test)
"""A loop that prints its metrics the way published FER code does (written from the formats of
their print calls, see docs/capture.md), with the known curve of common.py.

Per epoch: train accuracy = val accuracy - 10, train loss = 1 / epoch, val loss = 2 / epoch.
Styles that print fractions (dan, ddamfn-affectnet, poster, hf, hf-json) divide accuracies by
100. Each style also prints a "best" line whose value (99, as if resumed from a checkpoint)
must never be taken for the epoch's accuracy.
"""

import json

from common import args, epochs

opts = args(["--style"])
style = opts.style
best = 99.0


def progress_meter(epoch, loss, acc):
    # POSTER++ and MA-Net: 0-based epochs, meters named "Accuracy", a closing **** line.
    print(f"Current learning rate:  {opts.lr}")
    for batch in (0, 2):
        print(
            f"Epoch: [{epoch - 1}][{batch}/4]\tLoss {loss:.4f} ({loss:.4f})\tAccuracy {acc - 10:6.3f} ({acc - 10:6.3f})"
        )
    print(f"Test: [0/2]\tLoss {2 / epoch:.4f} ({2 / epoch:.4f})\tAccuracy {acc + 5:6.3f} ({acc + 5:6.3f})")
    print(f" **** Accuracy {acc:.3f} *** ")
    print(f"Current best accuracy:  {best:.3f}")


def dan(epoch, loss, acc, bacc=True):
    print("[Epoch %d] Training accuracy: %.4f. Loss: %.3f. LR %.6f" % (epoch, (acc - 10) / 100, loss, opts.lr))
    balanced = "bacc:%.4f. " % ((acc - 1) / 100) if bacc else ""
    print("[Epoch %d] Validation accuracy:%.4f. %sLoss:%.3f" % (epoch, acc / 100, balanced, 2 / epoch))
    print("best_acc:" + str(best / 100))


def poster(epoch, loss, acc):
    print(
        "[Epoch %d] Train time:%.2f, Training accuracy:%.4f. Loss: %.3f LR:%.6f"
        % (epoch, 0.5, (acc - 10) / 100, loss, opts.lr)
    )
    print("[Epoch %d] Validation accuracy:%.4f, Loss:%.3f, f1 %4f, score %4f" % (epoch, acc / 100, 2 / epoch, 0.5, 0.6))
    print("best_acc:" + str(best / 100))


def hf(epoch, loss, acc, as_json=False):
    # Trainer's log lines: Python dicts (print of its logs) or JSON lines.
    show = json.dumps if as_json else repr
    print(show({"loss": loss, "grad_norm": 3.1, "learning_rate": opts.lr, "epoch": epoch - 0.5}))
    print(show({"eval_loss": 2 / epoch, "eval_accuracy": acc / 100, "eval_runtime": 0.1, "epoch": float(epoch)}))


STYLES = {
    "progress-meter": progress_meter,
    "dan": dan,
    "poster": poster,
    "hf": hf,
    "ddamfn-affectnet": lambda e, lo, a: dan(e, lo, a, bacc=False),
    "hf-json": lambda e, lo, a: hf(e, lo, a, as_json=True),
}
for epoch, loss, acc in epochs(opts):
    STYLES[style](epoch, loss, acc)
