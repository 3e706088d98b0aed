"""Where and in what precision a job computes: device, autocast dtype, gradient scaler."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from fertui.errors import ConfigError


@dataclass(frozen=True)
class Precision:
    device: torch.device
    amp_dtype: torch.dtype | None  # None = full fp32

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        # Only fp16 needs loss scaling; bf16 has fp32's exponent range.
        if self.amp_dtype is torch.float16:
            return torch.amp.GradScaler(self.device.type)
        return None

    def channels_last(self, requested: bool) -> bool:
        """channels_last only on a GPU: on a CPU it was faster with 1 thread, 1.5x slower with 2."""
        return requested and self.device.type == "cuda"

    @property
    def label(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.amp_dtype]


def pick_device(choice: str, source: str = "config", key: str = "train.device") -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise ConfigError(source, key, "expected 'cpu' or 'auto': CUDA is not available on this machine")
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(choice)


def tune_backends(device: torch.device) -> None:
    """Fixed input shapes: let cuDNN time its convolution algorithms once and keep the fastest."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True


def pick_precision(device: torch.device, amp: str) -> Precision:
    """``auto`` means bf16 on a GPU and fp32 on a CPU (CPU autocast is rarely faster)."""
    if amp == "auto":
        amp = "bf16" if device.type == "cuda" else "off"
    dtype = {"off": None, "bf16": torch.bfloat16, "fp16": torch.float16}[amp]
    return Precision(device, dtype)


def peak_gpu_mb(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(device) / 2**20
