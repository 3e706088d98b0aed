"""IR face-recognition backbones with face.evoLVe's exact module and parameter names.

Every FER project starts from a public face.evoLVe / InsightFace IR50 checkpoint
(``backbone_ir50_ms1m_epoch120.pth``, ``ir50.pth``), so the names here must match
``model_irse.py`` key for key: ``input_layer.{0,1,2}``, a flat ``body.{k}`` of
``bottleneck_IR`` units with ``shortcut_layer`` and ``res_layer.{0..4}``. The face
embedding head (``output_layer``) is deliberately not built: FER models read the
feature map of stage 3 or stage 4 instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from fertui.errors import UserError


@dataclass(frozen=True)
class IRSpec:
    units: tuple[int, int, int, int]  # bottleneck_IR units per stage
    channels: tuple[int, int, int, int] = (64, 128, 256, 512)
    stem_channels: int = 64


IR_SPECS: dict[str, IRSpec] = {
    "ir18": IRSpec((2, 2, 2, 2)),
    "ir34": IRSpec((3, 4, 6, 3)),
    "ir50": IRSpec((3, 4, 14, 3)),
    "ir100": IRSpec((3, 13, 30, 3)),
    # For CPU tests and the quickstart: same unit, one per stage, 8x narrower.
    "ir_tiny": IRSpec((1, 1, 1, 1), channels=(16, 32, 64, 128), stem_channels=16),
}


class bottleneck_IR(nn.Module):  # noqa: N801 - the class name is part of the face.evoLVe layout
    """Pre-activation residual unit; the stride sits on the second 3x3 conv, as in face.evoLVe."""

    def __init__(self, in_channel: int, depth: int, stride: int):
        super().__init__()
        if in_channel == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(
                nn.Conv2d(in_channel, depth, 1, stride, bias=False),
                nn.BatchNorm2d(depth),
            )
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channel),
            nn.Conv2d(in_channel, depth, 3, 1, 1, bias=False),
            nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False),
            nn.BatchNorm2d(depth),
        )

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class IRBackbone(nn.Module):
    """IR-N trunk up to ``feature_stage`` (3 or 4); returns the (B, C, H, W) feature map.

    Stage 4 stops after the last unit; stage 3 builds only the first three stages, so a
    stage-3 model carries no unused stage-4 weights (a checkpoint's stage-4 keys are then
    reported as ignored by the loader).
    """

    def __init__(self, spec: IRSpec, feature_stage: int = 4, name: str = "ir"):
        super().__init__()
        self.name = name
        if feature_stage not in (3, 4):
            raise UserError(f"model.feature_stage: expected 3 or 4, got {feature_stage!r}")
        self.spec, self.feature_stage = spec, feature_stage
        self.input_layer = nn.Sequential(
            nn.Conv2d(3, spec.stem_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(spec.stem_channels),
            nn.PReLU(spec.stem_channels),
        )
        units = []
        in_channel = spec.stem_channels
        for num_units, depth in list(zip(spec.units, spec.channels))[:feature_stage]:
            for i in range(num_units):
                units.append(bottleneck_IR(in_channel, depth, 2 if i == 0 else 1))
                in_channel = depth
        self.body = nn.Sequential(*units)
        self.out_channels = spec.channels[feature_stage - 1]
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def feature_size(self, input_size: int) -> int:
        """Side of the output map: every stride-2 step maps n to ceil(n / 2)."""
        size = input_size
        for _ in range(self.feature_stage):
            size = (size + 1) // 2
        return size

    def forward(self, x):
        return self.body(self.input_layer(x))


def create_backbone(name: str, feature_stage: int = 4) -> IRBackbone:
    # "IR-50", "ir_50" and "ir50" all name the same trunk.
    canonical = {k.replace("_", ""): k for k in IR_SPECS}
    key = canonical.get(name.lower().replace("-", "").replace("_", "") if name else "")
    if key is None:
        raise UserError(f"model.backbone: unknown IR backbone {name!r}; expected one of " + ", ".join(IR_SPECS))
    return IRBackbone(IR_SPECS[key], feature_stage, name=key)


def list_backbones() -> list[str]:
    return list(IR_SPECS)
