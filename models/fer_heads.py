"""IR backbone + transformer head: ``baseline`` (ViT blocks) and ``clsfer`` (CaiT class attention).

Both turn the IR feature map into tokens (one per position, projected to ``dim`` when the
channel count differs), add a learned position embedding to the patch tokens and prepend a
CLS token. ``baseline`` runs N vanilla ViT blocks over all tokens; ``clsfer`` runs N
class-attention blocks in which only the CLS token is updated, attending to CLS + patch
tokens, so the patch tokens are never rewritten (the cost saving the research notes measure).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from timm.layers import DropPath, LayerScale, Mlp, trunc_normal_
from timm.models.cait import ClassAttn
from timm.models.vision_transformer import Block
from torch import nn

from fertui.errors import UserError
from models._registry import register_model
from models.irse import create_backbone

HEAD_BLOCKS = ("vit", "class_attn")
# timm's ViT Block and CaiT both normalise with eps 1e-6; one value for every head norm, so the
# two heads differ by their attention pattern only (at depth 1 they are then the same function).
NORM_EPS = 1e-6


class ClassAttentionBlock(nn.Module):
    """CaiT's ``LayerScaleBlockClassAttn`` with layer scale optional (``init_values`` 0 = off)."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = False,
        proj_drop: float = 0.0,
        attn_drop: float = 0.0,
        drop_path: float = 0.0,
        init_values: float = 0.0,
    ):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=NORM_EPS)
        self.attn = ClassAttn(dim, num_heads=num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=proj_drop)
        self.ls1 = LayerScale(dim, init_values) if init_values else nn.Identity()
        self.drop_path1 = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=NORM_EPS)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=nn.GELU, drop=proj_drop)
        self.ls2 = LayerScale(dim, init_values) if init_values else nn.Identity()
        self.drop_path2 = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x_cls: torch.Tensor, x_patches: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat((x_cls, x_patches), dim=1)
        x_cls = x_cls + self.drop_path1(self.ls1(self.attn(self.norm1(tokens))))
        return x_cls + self.drop_path2(self.ls2(self.mlp(self.norm2(x_cls))))


class FERTransformer(nn.Module):
    """IR feature map -> tokens -> ``depth`` transformer blocks -> LayerNorm -> linear classifier."""

    def __init__(
        self,
        head_block: str = "vit",
        backbone: str = "ir50",
        feature_stage: int = 4,
        input_size: int = 112,
        num_classes: int = 7,
        dim: int = 512,
        depth: int = 8,
        num_heads: int = 8,
        mlp_ratio: float = 4.0,
        qkv_bias: bool = True,
        drop_path: float = 0.0,
        attn_drop: float = 0.0,
        proj_drop: float = 0.0,
        pos_embed: bool = True,
        layer_scale: float = 0.0,
    ):
        super().__init__()
        if head_block not in HEAD_BLOCKS:
            raise UserError(f"head_block: expected one of {', '.join(HEAD_BLOCKS)}, got {head_block!r}")
        if dim % num_heads:
            raise UserError(f"model.dim: {dim} is not divisible by model.num_heads = {num_heads}")
        self.head_block, self.backbone_name = head_block, backbone
        self.input_size, self.num_classes, self.depth, self.dim, self.num_heads = (
            input_size,
            num_classes,
            depth,
            dim,
            num_heads,
        )
        self.backbone = create_backbone(backbone, feature_stage)
        self.feature_stage = feature_stage
        side = self.backbone.feature_size(input_size)
        self.num_patches = side * side
        channels = self.backbone.out_channels
        self.proj = nn.Linear(channels, dim) if channels != dim else nn.Identity()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        # Patch tokens only, as in CaiT; the CLS token is itself learned and needs no position.
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_patches, dim)) if pos_embed else None
        rates = [drop_path * i / max(depth - 1, 1) for i in range(depth)]  # stochastic depth grows with depth
        common = dict(
            dim=dim,
            num_heads=num_heads,
            mlp_ratio=mlp_ratio,
            qkv_bias=qkv_bias,
            proj_drop=proj_drop,
            attn_drop=attn_drop,
        )
        if head_block == "vit":
            blocks = [
                Block(
                    **common,
                    drop_path=r,
                    init_values=layer_scale or None,
                    norm_layer=partial(nn.LayerNorm, eps=NORM_EPS),
                )
                for r in rates
            ]
        else:
            blocks = [ClassAttentionBlock(**common, drop_path=r, init_values=layer_scale) for r in rates]
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(dim, eps=NORM_EPS)
        self.head = nn.Linear(dim, num_classes)
        self._init_head_weights()

    def _init_head_weights(self) -> None:
        # The backbone keeps its own init (or a face-recognition checkpoint); only the head is set here.
        if self.pos_embed is not None:
            trunc_normal_(self.pos_embed, std=0.02)
        trunc_normal_(self.cls_token, std=0.02)
        for name, m in self.named_modules():
            if name.startswith("backbone"):
                continue
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    @torch.jit.ignore
    def no_weight_decay(self) -> set[str]:
        return {"pos_embed", "cls_token"}

    def tokens(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> patch tokens (B, N, dim) with position embedding."""
        fmap = self.backbone(images)
        x = self.proj(fmap.flatten(2).transpose(1, 2))
        return x + self.pos_embed if self.pos_embed is not None else x

    def forward_features(self, images: torch.Tensor) -> torch.Tensor:
        """Returns the normalised token sequence (B, 1 + N, dim), CLS first."""
        x = self.tokens(images)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        if self.head_block == "vit":
            x = torch.cat((cls, x), dim=1)
            for block in self.blocks:
                x = block(x)
        else:
            for block in self.blocks:
                cls = block(cls, x)
            x = torch.cat((cls, x), dim=1)
        return self.norm(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = x[:, 0]
        return x if pre_logits else self.head(x)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(images))


FER_KWARGS = (
    "backbone",
    "feature_stage",
    "input_size",
    "num_classes",
    "dim",
    "depth",
    "num_heads",
    "mlp_ratio",
    "qkv_bias",
    "drop_path",
    "attn_drop",
    "proj_drop",
    "pos_embed",
    "layer_scale",
    "pretrained",
)
_DEFAULT_IF_EMPTY = {"dim", "num_heads", "backbone"}


def create_fer(variant: str, head_block: str, defaults: dict[str, Any], kwargs: dict[str, Any]):
    """Build ``FERTransformer`` from a variant's defaults overridden by ``kwargs`` (a config's [model] keys)."""
    unknown = sorted(set(kwargs) - set(FER_KWARGS))
    if unknown:
        raise UserError(f"model {variant!r} takes no argument {unknown[0]!r}; it takes: {', '.join(FER_KWARGS)}")
    # The config schema's convention: dim / num_heads 0 and backbone "" mean "this variant's default".
    args = {**defaults, **{k: v for k, v in kwargs.items() if not (k in _DEFAULT_IF_EMPTY and not v)}}
    pretrained = args.pop("pretrained", "")
    model = FERTransformer(head_block=head_block, **args)
    if pretrained:
        from models.pretrained import load_backbone_checkpoint

        model.pretrained_report = load_backbone_checkpoint(model, pretrained)
    return model


_IR50 = dict(backbone="ir50", feature_stage=4, input_size=112, dim=512, depth=8, num_heads=8)
_TINY = dict(backbone="ir_tiny", feature_stage=4, input_size=48, dim=64, depth=2, num_heads=4)


@register_model
def baseline_ir50(**kwargs):
    """IR-50 (stage 4, 7x7 tokens) + 8 ViT blocks, dim 512: the research notes' Baseline."""
    return create_fer("baseline_ir50", "vit", _IR50, kwargs)


@register_model
def clsfer_ir50(**kwargs):
    """IR-50 (stage 4) + 8 class-attention blocks, dim 512: the research notes' CLSFER."""
    return create_fer("clsfer_ir50", "class_attn", _IR50, kwargs)


@register_model
def baseline_ir18(**kwargs):
    return create_fer("baseline_ir18", "vit", {**_IR50, "backbone": "ir18"}, kwargs)


@register_model
def clsfer_ir18(**kwargs):
    return create_fer("clsfer_ir18", "class_attn", {**_IR50, "backbone": "ir18"}, kwargs)


@register_model
def baseline_ir34(**kwargs):
    return create_fer("baseline_ir34", "vit", {**_IR50, "backbone": "ir34"}, kwargs)


@register_model
def clsfer_ir34(**kwargs):
    return create_fer("clsfer_ir34", "class_attn", {**_IR50, "backbone": "ir34"}, kwargs)


@register_model
def baseline_ir100(**kwargs):
    return create_fer("baseline_ir100", "vit", {**_IR50, "backbone": "ir100"}, kwargs)


@register_model
def clsfer_ir100(**kwargs):
    return create_fer("clsfer_ir100", "class_attn", {**_IR50, "backbone": "ir100"}, kwargs)


@register_model
def baseline_tiny(**kwargs):
    """Narrow 1-unit-per-stage IR + 2 ViT blocks at 48x48: CPU tests and the quickstart."""
    return create_fer("baseline_tiny", "vit", _TINY, kwargs)


@register_model
def clsfer_tiny(**kwargs):
    """Narrow 1-unit-per-stage IR + 2 class-attention blocks at 48x48: CPU tests and the quickstart."""
    return create_fer("clsfer_tiny", "class_attn", _TINY, kwargs)
