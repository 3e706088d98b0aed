"""A W&B-instrumented loop after its one-line change: `import fertui.wandb as wandb`."""

from common import args, epochs

import fertui.wandb as wandb

opts = args()
run = wandb.init(project="fer", name="probe", config={"lr": opts.lr, "optim": {"name": "adamw"}})
wandb.define_metric("val/acc", summary="max")
for epoch, loss, acc in epochs(opts):
    wandb.log({"train/loss": loss, "val/acc": acc, "epoch": epoch})
wandb.finish()
