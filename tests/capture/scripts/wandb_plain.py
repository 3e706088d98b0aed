"""A W&B-instrumented loop as written for W&B, unchanged."""

import wandb
from common import args, epochs

opts = args()
run = wandb.init(project="fer", name="probe", config={"lr": opts.lr, "optim": {"name": "adamw"}})
wandb.define_metric("val/acc", summary="max")
for epoch, loss, acc in epochs(opts):
    wandb.log({"train/loss": loss, "val/acc": acc, "epoch": epoch})
wandb.finish()
