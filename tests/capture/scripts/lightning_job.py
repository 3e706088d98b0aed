"""A tiny real Lightning training run that logs through CSVLogger, TensorBoardLogger or WandbLogger,
as written for those loggers: nothing in it knows fertui. It trains a linear classifier on a
fixed random problem for 3 epochs and, for the test to compare with, writes what it logged last
(its own truth) to truth.json in the run folder.
"""

import argparse
import json
import os

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--logger", choices=["csv", "tensorboard", "wandb"], required=True)
parser.add_argument("--lr", type=float, default=0.1)
opts = parser.parse_args()
run_dir = os.environ.get("FERTUI_RUN_DIR", ".")


def problem(seed: int, n: int) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    return TensorDataset(x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long())


class Classifier(pl.LightningModule):
    def __init__(self, lr: float):
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Linear(8, 3)
        self.truth: dict[str, float] = {}

    def training_step(self, batch, _index):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.net(x), y)
        self.log("train/loss", loss, on_step=True, on_epoch=False)
        self.truth["train/loss"] = float(loss)
        return loss

    def validation_step(self, batch, _index):
        x, y = batch
        acc = (self.net(x).argmax(1) == y).float().mean() * 100
        self.log("val/acc", acc, on_epoch=True)
        self.truth["val/acc"] = float(acc)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


if opts.logger == "csv":
    logger = pl.loggers.CSVLogger(run_dir, name="csv")
elif opts.logger == "tensorboard":
    logger = pl.loggers.TensorBoardLogger(run_dir, name="tb")
else:
    logger = pl.loggers.WandbLogger(project="fer", save_dir=run_dir)
torch.manual_seed(0)
model = Classifier(opts.lr)
trainer = pl.Trainer(
    max_epochs=3,
    logger=logger,
    accelerator="cpu",
    devices=1,
    log_every_n_steps=1,
    enable_checkpointing=False,
    enable_progress_bar=False,
    enable_model_summary=False,
)
trainer.fit(model, DataLoader(problem(0, 64), batch_size=16), DataLoader(problem(1, 64), batch_size=64))
with open(os.path.join(run_dir, "truth.json"), "w") as out:
    json.dump(model.truth, out)
