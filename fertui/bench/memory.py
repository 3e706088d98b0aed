"""Peak memory of one measurement, an optional CPU memory cap, and telling an OOM from other errors."""

from __future__ import annotations

import contextlib
import gc
import re
from pathlib import Path

import torch

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")
# What PyTorch's CPU allocator and CUDA say when an allocation fails.
_OOM_TEXT = ("out of memory", "can't allocate memory", "not enough memory")


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and any(t in str(exc).lower() for t in _OOM_TEXT)


def _status_mb(field: str) -> float | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) / 1024 if match else None


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text("5")  # Linux: resets VmHWM (peak RSS) to the current RSS


def peak_mb(device: torch.device) -> float:
    """GPU: peak bytes allocated by torch; CPU: peak resident set size of this process."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) / 2**20
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kB


def release(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


@contextlib.contextmanager
def cpu_memory_cap(extra_mb: int):
    """Cap this process's address space at its current size + EXTRA_MB (0 = no cap).

    An allocation past the cap then fails inside PyTorch's CPU allocator, the same error a
    real out-of-memory gives, instead of the machine swapping or the kernel killing us.
    """
    if extra_mb <= 0:
        yield
        return
    import resource

    size = _status_mb("VmSize")
    if size is None:
        raise RuntimeError("a memory cap needs Linux /proc/self/status")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (int((size + extra_mb) * 2**20), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
