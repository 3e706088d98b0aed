"""Output-scalar presets: the print formats of published training code, one name each.

Each preset was written from the print calls of the code it names (see docs/capture.md for the
files checked) and is tested on lines printed in that format by tests/capture/scripts. A preset
that knows its code's unit scales accuracies printed as fractions to percent, so they sit on one
board with the published numbers (configs/references.toml), which are percentages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:nan|inf(?:inity)?)"
PLACE_GROUPS = ("step", "epoch", "batch", "batches")  # names that place a value rather than being one
STEP_ALIASES = ("iter", "iteration", "global_step")  # printed names that mean the step
_N = f"(?:{NUMBER})"


@dataclass(frozen=True)
class Preset:
    name: str
    patterns: tuple[str, ...] = ()
    metrics_map: dict[str, str] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)  # final metric name -> factor (fraction -> %)
    metrics_csv: str = ""  # a CSV log the code writes beside its prints
    dict_lines: bool = False  # reads {'key': value} / {"key": value} lines
    checked_against: str = ""  # the code whose print calls it follows


# timm's train.py: "Train: 3 [  30/382 (  8%)]  Loss: 0.812 (0.930)  Time: ...  LR: 1.000e-03  ..."
# Its eval metrics come from summary.csv (one row per epoch), which the preset also reads.
_TIMM_TRAIN = (
    rf"Train: (?P<epoch>\d+) \[\s*(?P<batch>\d+)/(?P<batches>\d+)[^\]]*\]\s+"
    rf"Loss: (?P<train_loss>{_N}) .*?LR: (?P<train_lr>{_N})"
)

# The PyTorch ImageNet example's ProgressMeter ("Epoch: [3][ 30/382]\tLoss 8.1e-01 (9.3e-01)\t
# Acc@1  72.30 ( 70.10)") and the closing line of a validation pass (" * Acc@1 91.234 Acc@5 99.100",
# POSTER++ and MA-Net: " **** Accuracy 42.857 *** "). Their meters are named freely, so any of the
# usual top-1 names counts. "Test: [..]" lines are running averages of a partial pass, and
# "Current best accuracy" is not the epoch's value: neither counts.
_PM_EPOCH = r"Epoch: \[(?P<epoch>\d+)\]\[\s*(?P<batch>\d+)/(?P<batches>\d+)\]"
_TOP1 = r"(?i:Acc@1|Accuracy|Acc|Top-?1|Prec@1)"
_CLOSING = r"^\s*\*+\s"

# DAN (rafdb.py) and DDAMFN (rafdb_train.py, affectnet_train.py, ferPlus_train.py), by tqdm.write:
# "[Epoch 1] Training accuracy: 0.1429. Loss: 1.946. LR 0.000100"
# "[Epoch 1] Validation accuracy:0.1429. bacc:0.1429. Loss:70.977" (no bacc in affectnet_train.py)
_DAN_TRAIN = (
    rf"^\s*\[Epoch (?P<epoch>\d+)\] Training accuracy:\s*(?P<train_acc>{_N})\.?\s+"
    rf"Loss:\s*(?P<train_loss>{_N})\.?\s+LR:?\s*(?P<train_lr>{_N})"
)
_DAN_VAL = (
    rf"^\s*\[Epoch (?P<epoch>\d+)\] Validation accuracy:\s*(?P<val_acc>{_N})\.\s*"
    rf"(?:bacc:\s*(?P<val_bacc>{_N})\.\s*)?Loss:\s*(?P<val_loss>{_N})"
)

# POSTER (train.py): "[Epoch 1] Train time:12.30, Training accuracy:0.1429. Loss: 1.950 LR:0.000035"
# "[Epoch 1] Validation accuracy:0.1429, Loss:1.930, f1 0.035714, score 0.071428"
_POSTER_TRAIN = (
    rf"^\s*\[Epoch (?P<epoch>\d+)\] Train time:\s*{_N},\s*Training accuracy:\s*"
    rf"(?P<train_acc>{_N})\.?\s+Loss:\s*(?P<train_loss>{_N})\s+LR:\s*(?P<train_lr>{_N})"
)
_POSTER_VAL = (
    rf"^\s*\[Epoch (?P<epoch>\d+)\] Validation accuracy:\s*(?P<val_acc>{_N}),\s*"
    rf"Loss:\s*(?P<val_loss>{_N})(?:,\s*f1:?\s*(?P<val_f1>{_N}))?"
)

_ACC_TO_PERCENT = {"train/acc": 100.0, "val/acc": 100.0}

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "progress-meter",
            patterns=(
                rf"{_PM_EPOCH}.*?\bLoss\s+(?P<train_loss>{_N})",
                rf"{_PM_EPOCH}.*?\b{_TOP1}\s+(?P<train_acc>{_N})",
                rf"{_CLOSING}.*?\b{_TOP1}\s+(?P<val_acc>{_N})",
                rf"{_CLOSING}.*?\bAcc@5\s+(?P<val_acc5>{_N})",
                rf"{_CLOSING}.*?\bLoss\s+(?P<val_loss>{_N})",
                rf"^Current learning rate:\s+(?P<train_lr>{_N})",
            ),
            metrics_map={
                "train_loss": "train/loss",
                "train_acc": "train/acc",
                "val_acc": "val/acc",
                "val_acc5": "val/acc5",
                "val_loss": "val/loss",
                "train_lr": "train/lr",
            },
            checked_against="PyTorch ImageNet example; POSTER++ (Talented-Q/POSTER_V2 main.py); "
            "MA-Net (zengqunzhao/MA-Net main.py)",
        ),
        Preset(
            "dan",
            patterns=(_DAN_TRAIN, _DAN_VAL),
            metrics_map={
                "train_acc": "train/acc",
                "train_loss": "train/loss",
                "train_lr": "train/lr",
                "val_acc": "val/acc",
                "val_bacc": "val/bacc",
                "val_loss": "val/loss",
            },
            scale={**_ACC_TO_PERCENT, "val/bacc": 100.0},
            checked_against="DAN (yaoing/DAN rafdb.py); DDAMFN (SainingZhang/DDAMFN rafdb_train.py, "
            "affectnet_train.py, ferPlus_train.py, DDAMFN++/rafdb_train_sam_opt_ver2.0.py)",
        ),
        Preset(
            "poster",
            patterns=(_POSTER_TRAIN, _POSTER_VAL),
            metrics_map={
                "train_acc": "train/acc",
                "train_loss": "train/loss",
                "train_lr": "train/lr",
                "val_acc": "val/acc",
                "val_loss": "val/loss",
                "val_f1": "val/f1",
            },
            scale=dict(_ACC_TO_PERCENT),
            checked_against="POSTER (zyh-uaiaaaa/POSTER train.py, read in forks that keep its print calls)",
        ),
        Preset(
            "hf",
            dict_lines=True,
            metrics_map={
                "loss": "train/loss",
                "learning_rate": "train/lr",
                "grad_norm": "train/grad_norm",
                "train_loss": "train/mean_loss",
            },
            checked_against="HuggingFace transformers Trainer (its log lines, printed as Python dicts)",
        ),
        Preset(
            "timm",
            patterns=(_TIMM_TRAIN,),
            metrics_map={
                "train_loss": "train/loss",
                "train_lr": "train/lr",
                "eval_loss": "val/loss",
                "eval_top1": "val/acc",
                "eval_top5": "val/top5",
                "lr": "train/lr",
            },
            metrics_csv="**/summary.csv",
            checked_against="timm train.py (its train log line and output/<name>/summary.csv)",
        ),
    )
}
