"""Load face.evoLVe / InsightFace_Pytorch IR checkpoints into an IR backbone, loudly.

A backbone that silently stays random is the failure this module exists to prevent:
every tensor of the backbone must be filled from the file, and anything that does not
line up (a missing or unexpected name, a shape mismatch) is a one-line ``UserError``.
The only keys dropped on purpose are the face-embedding head (``output_layer.*``) and,
for a stage-3 model, the stage-4 units it does not build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fertui.errors import UserError

_WRAPPERS = ("state_dict", "model")  # {"state_dict": {...}} and {"model": {...}} checkpoints
_BODY_KEY = re.compile(r"^body\.(\d+)\.")
_SHOW = 4  # names listed per kind of mismatch; the count says how many more


@dataclass
class LoadReport:
    loaded: int  # backbone tensors filled from the checkpoint
    ignored: list[str] = field(default_factory=list)  # checkpoint keys dropped on purpose
    kept_counters: list[str] = field(default_factory=list)  # BN num_batches_tracked absent from old files

    def summary(self) -> str:
        return f"loaded {self.loaded} backbone tensors, ignored {len(self.ignored)} checkpoint keys"


def unwrap_state_dict(obj: Any, path: str | Path = "checkpoint") -> dict[str, torch.Tensor]:
    """Bare state dict or a ``{"state_dict": ...}`` wrapper, with any ``module.`` prefixes removed."""
    for key in _WRAPPERS:
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise UserError(
            f"{path}: expected a state dict of tensors (or {{'state_dict': ...}}), got {type(obj).__name__}"
        )
    out = {}
    for key, value in obj.items():
        while key.startswith("module."):  # DataParallel / DDP wrappers, possibly nested
            key = key[len("module.") :]
        out[key] = value
    return out


def _backbone_of(model_or_backbone: nn.Module) -> nn.Module:
    backbone = getattr(model_or_backbone, "backbone", model_or_backbone)
    if not hasattr(backbone, "body") or not hasattr(backbone, "input_layer"):
        raise UserError(f"{type(model_or_backbone).__name__} has no IR backbone (input_layer/body) to load into")
    return backbone


def _is_ignorable(key: str, backbone: nn.Module) -> bool:
    if key.startswith("output_layer."):
        return True
    match = _BODY_KEY.match(key)
    if match is None or getattr(backbone, "feature_stage", 4) == 4:
        return False
    # A stage-3 backbone stops early: the full trunk's later units exist in the file but not here.
    built, full = len(backbone.body), sum(backbone.spec.units)
    return built <= int(match.group(1)) < full


def _listing(what: str, items: list[str]) -> str:
    more = f" and {len(items) - _SHOW} more" if len(items) > _SHOW else ""
    return f"{len(items)} {what} ({', '.join(items[:_SHOW])}{more})"


def load_backbone_state(
    model_or_backbone: nn.Module, state: dict[str, torch.Tensor], source: str = "checkpoint"
) -> LoadReport:
    backbone = _backbone_of(model_or_backbone)
    expected = backbone.state_dict()
    ignored = sorted(k for k in state if k not in expected and _is_ignorable(k, backbone))
    unexpected = sorted(k for k in state if k not in expected and k not in ignored)
    missing = [k for k in expected if k not in state]
    counters = [k for k in missing if k.endswith("num_batches_tracked")]  # a step count, not a weight
    missing = [k for k in missing if k not in counters]
    wrong_shape = [
        f"{k}: file {list(state[k].shape)} vs model {list(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    problems = [
        _listing(what, items)
        for what, items in (("missing", missing), ("unexpected", unexpected), ("with wrong shape", wrong_shape))
        if items
    ]
    if problems:
        arch = f"{getattr(backbone, 'name', type(backbone).__name__)} backbone"
        if hasattr(backbone, "feature_stage"):
            arch += f" (feature stage {backbone.feature_stage})"
        file_units = {int(m.group(1)) + 1 for k in state if (m := _BODY_KEY.match(k))}
        if file_units and hasattr(backbone, "spec") and max(file_units) != sum(backbone.spec.units):
            problems.append(
                f"the file has {max(file_units)} body units, this backbone "
                f"{sum(backbone.spec.units)} (a different IR depth?)"
            )
        raise UserError(f"{source}: does not fit the {arch}: " + "; ".join(problems))
    filled = {k: state[k] for k in expected if k in state}
    backbone.load_state_dict(filled, strict=False)
    return LoadReport(loaded=len(filled), ignored=ignored, kept_counters=counters)


def load_backbone_checkpoint(model_or_backbone: nn.Module, path: str | Path) -> LoadReport:
    """Fill the IR backbone of ``model_or_backbone`` from a face.evoLVe-layout file; returns a LoadReport."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint file not found")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # not a torch file, truncated, or pickled objects beyond tensors
        raise UserError(f"{path}: cannot read as a torch checkpoint ({type(exc).__name__}: {exc})") from exc
    return load_backbone_state(model_or_backbone, unwrap_state_dict(obj, path), source=str(path))
