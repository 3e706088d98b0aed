"""The trainer's run: build everything from the config, train epoch by epoch, validate,
checkpoint, and report through :mod:`fertui.report`. Returns the job's exit code."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

import fertui.report as report
from fertui.atomicio import atomic_write_text
from fertui.metrics import Objective, is_better
from fertui.train import checkpoint as ckpt
from fertui.train.device import Precision, peak_gpu_mb, pick_device, pick_precision, tune_backends
from fertui.train.evaluate import evaluate
from fertui.train.optim import build_optimizer, build_scheduler
from fertui.train.predictions import MAX_CLASSES, save_predictions
from fertui.train.step import TrainStep

OBJECTIVE = Objective()  # checkpoints and the summary follow the default objective (fertui.metrics)


@dataclass
class Progress:
    epoch: int = 0  # completed epochs
    step: int = 0  # completed optimizer steps (global, survives resume)
    best: dict[str, float] = field(default_factory=dict)
    best_epoch: int = 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(config: dict[str, Any], num_classes: int, precision: Precision):
    from models import build_from_config

    model = build_from_config({**config["model"], "num_classes": num_classes})
    model = model.to(precision.device)
    if precision.channels_last(config["train"]["channels_last"]):
        model = model.to(memory_format=torch.channels_last)
    return model


class Trainer:
    def __init__(self, config: dict[str, Any], run_dir: Path):
        from fertui.data import build_loaders

        self.config, self.run_dir = config, run_dir
        train = config["train"]
        if train["threads"] > 0:
            torch.set_num_threads(train["threads"])
        seed_everything(config["run"]["seed"])
        self.precision = pick_precision(pick_device(train["device"], str(run_dir / "config.toml")), train["amp"])
        tune_backends(self.precision.device)
        self.loaders = build_loaders(config, config["run"]["seed"])
        self.num_classes = self.loaders.num_classes
        self.model = build_model(config, self.num_classes, self.precision)
        forward = torch.compile(self.model) if train["compile"] else self.model
        self.epochs = train["epochs"]
        cap = train["max_steps_per_epoch"]
        self.steps_per_epoch = min(len(self.loaders.train), cap) if cap else len(self.loaders.train)
        optim = config["optim"]
        self.optimizer = build_optimizer(self.model.parameters(), optim, self.precision.device.type)
        self.scheduler = build_scheduler(
            self.optimizer, config["sched"], optim["lr"], self.steps_per_epoch, self.epochs
        )
        self.step_fn = TrainStep(
            self.model,
            self.optimizer,
            self.scheduler,
            self.precision,
            train,
            self.num_classes,
            clip_grad=optim["clip_grad"],
            forward=forward,
        )
        self.progress = Progress()

    # ---- checkpoints ----------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        scaler = self.step_fn.scaler
        shuffle = getattr(self.loaders.train, "generator", None)
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler else None,
            "epoch": self.progress.epoch,
            "step": self.progress.step,
            "best": self.progress.best,
            "best_epoch": self.progress.best_epoch,
            "rng": ckpt.rng_state(),
            "data_rng": shuffle.get_state() if shuffle is not None else None,
            "classes": list(self.loaders.classes),
            "config": self.config,
        }

    def resume(self, path: Path) -> None:
        state = ckpt.load(path, self.precision.device)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        factor = self.scheduler.lr_lambdas[0]
        self.scheduler.load_state_dict(state["scheduler"])
        self.scheduler.lr_lambdas[0] = factor  # the schedule follows this config (e.g. more epochs)
        if state.get("scaler") and self.step_fn.scaler is not None:
            self.step_fn.scaler.load_state_dict(state["scaler"])
        self.progress = Progress(state["epoch"], state["step"], dict(state.get("best", {})), state.get("best_epoch", 0))
        ckpt.restore_rng(state["rng"])
        shuffle = getattr(self.loaders.train, "generator", None)
        if shuffle is not None and state.get("data_rng") is not None:
            shuffle.set_state(state["data_rng"])  # the next epoch's order is the one it would have had

    # ---- the run -----------------------------------------------------------------------
    def run(self, resume_from: Path | None) -> int:
        if resume_from is not None:
            self.resume(resume_from)
            print(f"resumed from {resume_from} at epoch {self.progress.epoch}, step {self.progress.step}", flush=True)
        params_m = sum(p.numel() for p in self.model.parameters()) / 1e6
        report.start(
            epochs=self.epochs,
            steps_per_epoch=self.steps_per_epoch,
            classes=list(self.loaders.classes),
            objective=OBJECTIVE.metric,
            direction=OBJECTIVE.direction.value,
            resumed_step=self.progress.step,
            resumed_epoch=self.progress.epoch,
            device=str(self.precision.device),
            precision=self.precision.label,
            params_m=round(params_m, 4),
            train_size=self.loaders.train_size,
            val_size=self.loaders.val_size,
        )
        while self.progress.epoch < self.epochs:
            epoch = self.progress.epoch + 1
            if not self.train_epoch(epoch):
                self.finish()
                return report.EXIT_NAN
            self.progress.epoch = epoch
            self.validate(epoch)
        self.finish()
        return 0

    def train_epoch(self, epoch: int) -> bool:
        """One pass over the training data; False when a NaN stops the run."""
        self.model.train()
        log_every = self.config["train"]["log_every"]
        window_images, window_loss, window_n = 0, 0.0, 0
        window_start = time.perf_counter()
        for i, (images, targets) in enumerate(self.loaders.train):
            if i >= self.steps_per_epoch:
                break
            step = self.progress.step + 1
            result = self.step_fn(images, targets, step)
            self.progress.step = step
            window_images += images.shape[0]
            if not result.finite:
                report.nan(
                    step=step,
                    epoch=epoch,
                    metric="train/loss",
                    lr=result.lr,
                    loss=result.loss,
                    grad_norm=result.grad_norm,
                    policy=self.step_fn.on_nan,
                )
                print(f"non-finite loss/gradient at step {step} (epoch {epoch}, lr {result.lr:.3g})", flush=True)
                if self.step_fn.on_nan == "stop":
                    return False
            else:
                window_loss += result.loss
                window_n += 1
            if step % log_every == 0 or i + 1 == self.steps_per_epoch:
                elapsed = time.perf_counter() - window_start
                metrics: dict[str, float] = {
                    "train/lr": result.lr,
                    "perf/img_per_s": window_images / max(elapsed, 1e-9),
                }
                if window_n:  # non-finite steps were reported as nan events already
                    metrics["train/loss"] = window_loss / window_n
                gpu_mb = peak_gpu_mb(self.precision.device)
                if gpu_mb is not None:
                    metrics["sys/gpu_mem_mb"] = gpu_mb
                report.log(metrics, step=step)
                window_images, window_loss, window_n = 0, 0.0, 0
                window_start = time.perf_counter()
        return True

    def validate(self, epoch: int) -> None:
        metrics, confusion, predicted, targets = evaluate(
            self.model, self.loaders.val, self.precision, self.num_classes, self.step_fn.channels_last
        )
        report.log(metrics, step=self.progress.step, epoch=epoch)
        improved = is_better(metrics[OBJECTIVE.metric], self.progress.best.get(OBJECTIVE.metric), OBJECTIVE.direction)
        if improved:
            self.progress.best, self.progress.best_epoch = dict(metrics), epoch
        matrix_path = self.save_confusion(epoch, confusion, metrics)
        report.artifact(matrix_path, kind="confusion_matrix")
        if self.num_classes <= MAX_CLASSES:
            save_predictions(
                self.run_dir,
                epoch,
                bytes(predicted.to(torch.uint8).tolist()),
                bytes(targets.to(torch.uint8).tolist()),
                self.num_classes,
                improved,
            )
        state = self.state()
        ckpt.save_atomic(state, ckpt.last_path(self.run_dir))  # resume needs it while the run goes on
        report.checkpoint(ckpt.last_path(self.run_dir), step=self.progress.step, epoch=epoch)
        keep = self.config["train"]["keep"]
        if improved and keep != "last":
            ckpt.save_atomic(
                state if self.config["train"]["save_optimizer"] else ckpt.weights_only(state),
                ckpt.best_path(self.run_dir),
            )
        print(
            f"epoch {epoch}/{self.epochs} step {self.progress.step}: "
            + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
            + (" (best)" if improved else ""),
            flush=True,
        )

    def save_confusion(self, epoch: int, confusion: list[list[int]], metrics: dict[str, float]) -> Path:
        path = self.run_dir / "artifacts" / f"confusion_epoch{epoch:03d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "epoch": epoch,
            "step": self.progress.step,
            "classes": list(self.loaders.classes),
            "matrix": confusion,
            "rows": "true class",
            "columns": "predicted class",
            **metrics,
        }
        atomic_write_text(path, json.dumps(doc))
        return path

    def stop_loader_workers(self) -> None:
        """End the DataLoader worker processes now: persistent workers otherwise live until the
        interpreter's slow teardown, and the run's slot (its process group) with them."""
        for loader in (self.loaders.train, self.loaders.val):
            iterator = getattr(loader, "_iterator", None)
            if iterator is not None and hasattr(iterator, "_shutdown_workers"):
                iterator._shutdown_workers()

    def finish(self) -> None:
        self.stop_loader_workers()
        if self.config["train"]["keep"] == "best" and ckpt.best_path(self.run_dir).exists():
            ckpt.last_path(self.run_dir).unlink(missing_ok=True)  # the run is over: nothing to resume
        best = self.progress.best
        values = {f"best/{k}": v for k, v in best.items()}
        values.update(best_epoch=self.progress.best_epoch, epochs_done=self.progress.epoch, step=self.progress.step)
        if OBJECTIVE.metric in best:
            values[OBJECTIVE.metric] = best[OBJECTIVE.metric]
        report.summary(**values)
