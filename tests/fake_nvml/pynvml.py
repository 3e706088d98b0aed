"""A stand-in for nvidia-ml-py's ``pynvml``: the GPUs described in the JSON file $FAKE_NVML_STATE.

Put this folder first on PYTHONPATH (or sys.path) to test what fertui does with NVML on a
machine without a GPU. The file is read on every call, so a test changes the GPUs by
rewriting it: ``{"gpus": [{"name": "H100", "uuid": "GPU-a", "total_mb": 81920, "used_mb": 0,
"util": 0, "processes": [{"pid": 4242, "used_mb": 70000}]}]}``.
"""

import json
import os
from types import SimpleNamespace

NVML_TEMPERATURE_GPU = 0


class NVMLError(Exception):
    pass


def _gpus() -> list[dict]:
    path = os.environ.get("FAKE_NVML_STATE")
    if not path:
        raise NVMLError("FAKE_NVML_STATE is not set")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["gpus"]


def nvmlInit():
    _gpus()


def nvmlShutdown():
    pass


def nvmlDeviceGetCount():
    return len(_gpus())


def nvmlDeviceGetHandleByIndex(index):
    return _gpus()[index]


def nvmlDeviceGetName(handle):
    return handle.get("name", "Fake GPU")


def nvmlDeviceGetUUID(handle):
    return handle["uuid"]


def nvmlDeviceGetMemoryInfo(handle):
    total, used = handle["total_mb"] << 20, handle.get("used_mb", 0) << 20
    return SimpleNamespace(total=total, used=used, free=total - used)


def nvmlDeviceGetUtilizationRates(handle):
    return SimpleNamespace(gpu=handle.get("util", 0), memory=0)


def nvmlDeviceGetComputeRunningProcesses(handle):
    return [SimpleNamespace(pid=p["pid"], usedGpuMemory=p.get("used_mb", 0) << 20) for p in handle.get("processes", [])]


def nvmlDeviceGetGraphicsRunningProcesses(handle):
    return []


def nvmlDeviceGetTemperature(handle, sensor):
    return 40


def nvmlDeviceGetPowerUsage(handle):
    return 60000
