"""Output scalars on lines in the formats real trainers print (timm, the ImageNet example, tqdm)."""

import math

import pytest

from fertui.capture.scalars import check_spec, resolve


def parser_for(spec, mapping=None, default_on=True):
    setup = resolve(spec, mapping, default_on)
    return setup.parser if setup else None


# Copied from a timm train.py run (format of train_one_epoch's _logger.info line).
TIMM_TRAIN = (
    "Train: 3 [  30/382 (  8%)]  Loss: 0.812 (0.930)  Time: 0.123s, 1040.65/s  "
    "(0.130s,  984.62/s)  LR: 1.000e-03  Data: 0.010 (0.012)"
)


def test_timm_preset_reads_train_lines_and_brings_summary_csv():
    setup = resolve("timm", None, True)
    parser = setup.parser
    assert setup.metrics_csv == "**/summary.csv" and setup.label == "timm"
    metrics, step, epoch = parser.parse(TIMM_TRAIN)
    assert metrics == {"train/loss": 0.812, "train/lr": 1e-3}
    assert (epoch, step) == (3, 3 * 382 + 30)
    metrics, _, _ = parser.parse(TIMM_TRAIN.replace("Loss: 0.812", "Loss: nan"))
    assert math.isnan(metrics["train/loss"])


def test_issue_example_regex_on_timm_lines():
    parser = parser_for([r"Train: (?P<epoch>\d+) .*Loss: (?P<train_loss>[\d.]+|nan|inf)"], {"train_loss": "train/loss"})
    metrics, _, epoch = parser.parse(TIMM_TRAIN)
    assert metrics == {"train/loss": 0.812} and epoch == 3


def test_progress_meter_preset_train_and_closing_lines():
    parser = parser_for("progress-meter")
    line = (
        "Epoch: [3][ 30/382]\tTime  0.123 ( 0.234)\tData  0.001 ( 0.002)\tLoss 8.1e-01 (9.3e-01)\t"
        "Acc@1  72.30 ( 70.10)\tAcc@5  95.00 ( 94.00)"
    )
    metrics, step, epoch = parser.parse(line)
    assert metrics == {"train/loss": 0.81, "train/acc": 72.30} and epoch == 3 and step == 3 * 382 + 30
    assert parser.parse("Test: [ 10/100]\tTime  0.1 ( 0.1)\tLoss 1.0 (1.0)\tAcc@1  50.0 ( 50.0)") is None
    metrics, _, epoch = parser.parse(" * Acc@1 91.234 Acc@5 99.100")
    assert metrics == {"val/acc": 91.234, "val/acc5": 99.1}
    assert epoch == 3  # the closing line belongs to the epoch printed last


def test_default_set_takes_metric_like_pairs_only():
    parser = parser_for("default")
    metrics, step, epoch = parser.parse(
        "epoch: 2  step=40  train_loss: 0.41  val_acc=0.83 Acc@1: 72.3 lr=1e-3  batch_size: 64  eta: 12"
    )
    assert metrics == {"train/loss": 0.41, "val/acc": 0.83, "acc@1": 72.3, "lr": 1e-3}
    assert (step, epoch) == (40, 2)
    metrics, _, _ = parser.parse("\x1b[32mloss: NaN\x1b[0m")
    assert math.isnan(metrics["loss"])
    metrics, _, _ = parser.parse("Epoch 1:  50%|#####     | 5/10 [00:01<00:01, loss=inf, acc=0.5]")
    assert math.isinf(metrics["loss"]) and metrics["acc"] == 0.5
    assert parser.parse("Downloading: 100%  size: 3 MB  eta: 12s") is None


def test_default_set_is_off_for_built_in_jobs_and_with_an_empty_list():
    assert resolve("auto", None, default_on=False) is None
    assert resolve("auto", None, default_on=True).auto
    assert parser_for([]) is None


def test_metrics_map_renames_and_underscore_groups_only_help():
    parser = parser_for([r"\[(?P<_i>\d+)/(?P=_i)\] acc (?P<acc>[\d.]+)"], {"acc": "val/acc"})
    assert parser.parse("[3/9] acc 0.5") is None  # not the last batch
    metrics, _, _ = parser.parse("[9/9] acc 0.5")
    assert metrics == {"val/acc": 0.5}


@pytest.mark.parametrize(
    "spec, key_hint",
    [
        ("timmm", "did you mean 'timm'"),
        (["timm", "(?P<x>[unclosed"], "[1]: not a valid regular expression"),
        (["loss: ([\\d.]+)"], "named group"),
        (42, "expected a preset name"),
    ],
)
def test_bad_specs_are_explained(spec, key_hint):
    assert key_hint in check_spec(spec)


def test_good_specs_pass():
    for spec in ("auto", "timm", "progress-meter", ["default", r"top1 (?P<val_acc>[\d.]+)"], []):
        assert check_spec(spec) is None
