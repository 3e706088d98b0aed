"""Where the CLS token looks: per-block attention of the CLS query over the patch tokens.

Forward pre-hooks on each block's timm attention module record the tokens it is given; the
weights are then recomputed from that module's own projections (``q``/``k`` for CaiT's
``ClassAttn``, ``qkv`` + ``q_norm``/``k_norm`` for ViT's ``Attention``), the same softmax of
scaled q·k that the module applies, so timm's fused kernels stay in use and nothing is forked.

A map covers the patch tokens and keeps their weights as the softmax gave them: the CLS
token's weight on itself is not spread over the patches, so a map sums to 1 minus that
self-weight, which is reported beside it (renormalising would inflate every patch by
1 / (1 - self-weight): about 1.1x for class attention and 1.5x for a rollout, where the
residual path keeps much of the CLS token on itself). For ViT blocks the attention rollout
(Abnar & Zuidema 2020: head-mean attention plus the identity for the residual, row-normalised,
multiplied through the blocks) gives the CLS row of the whole stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class CLSAttention:
    blocks: torch.Tensor  # (B, depth, N) per block, head-mean: sums to 1 - self_share
    heads: torch.Tensor  # (B, depth, heads, N) per head
    self_share: torch.Tensor  # (B, depth): head-mean weight the CLS query put on itself
    rollout: torch.Tensor | None  # (B, N) for ViT stacks (sums to 1 - rollout_self); None for class attention
    rollout_self: torch.Tensor | None  # (B,): the rollout's CLS -> CLS weight
    logits: torch.Tensor  # (B, classes)
    side: int  # patches form a side × side grid (7 at stage 4, 14 at stage 3)


def _cls_rows(attn: nn.Module, x: torch.Tensor, class_attention: bool) -> torch.Tensor:
    """(B, heads, 1 + N) softmax weights of the CLS query over every token; for ViT blocks the
    full (B, heads, 1 + N, 1 + N) matrix is returned instead (rollout needs every row)."""
    b, n, c = x.shape
    heads = attn.num_heads
    if class_attention:
        q = attn.q(x[:, 0]).reshape(b, heads, 1, c // heads)
        k = attn.k(x).reshape(b, n, heads, c // heads).permute(0, 2, 1, 3)
        return ((q * attn.scale) @ k.transpose(-2, -1)).softmax(dim=-1)[:, :, 0]
    qkv = attn.qkv(x).reshape(b, n, 3, heads, attn.head_dim).permute(2, 0, 3, 1, 4)
    q, k, _ = qkv.unbind(0)
    q, k = attn.q_norm(q), attn.k_norm(k)
    return ((q * attn.scale) @ k.transpose(-2, -1)).softmax(dim=-1)


def _patches(weights: torch.Tensor) -> torch.Tensor:
    """The weights on the patch tokens, as they are (CLS -> CLS left out, nothing renormalised)."""
    return weights[..., 1:]


def rollout_row(full: list[torch.Tensor]) -> torch.Tensor:
    """CLS row of the attention rollout over blocks, every token, summing to 1. FULL: per
    block the (B, heads, T, T) attention."""
    joint = None
    for a in full:
        mean = a.mean(dim=1)
        eye = torch.eye(mean.shape[-1], dtype=mean.dtype, device=mean.device)
        step = 0.5 * mean + 0.5 * eye  # the residual path carries half of each token forward
        step = step / step.sum(dim=-1, keepdim=True)
        joint = step if joint is None else step @ joint
    return joint[:, 0]


@torch.no_grad()
def cls_attention(model: nn.Module, images: torch.Tensor) -> CLSAttention:
    """Run MODEL (a ``FERTransformer``) on IMAGES and return the CLS token's attention maps."""
    class_attention = model.head_block == "class_attn"
    seen: list[torch.Tensor] = []
    hooks = [block.attn.register_forward_pre_hook(lambda _m, args: seen.append(args[0])) for block in model.blocks]
    was_training = model.training
    model.eval()
    try:
        logits = model(images)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    rows = [_cls_rows(block.attn, x, class_attention) for block, x in zip(model.blocks, seen)]
    full = None if class_attention else rows
    cls = rows if class_attention else [r[:, :, 0] for r in rows]
    heads = torch.stack([_patches(r) for r in cls], dim=1)  # (B, depth, H, N)
    blocks = _patches(torch.stack([r.mean(dim=1) for r in cls], dim=1))  # (B, depth, N)
    share = torch.stack([r[..., 0].mean(dim=1) for r in cls], dim=1)
    side = int(round(model.num_patches**0.5))
    row = rollout_row(full) if full else None
    return CLSAttention(
        blocks=blocks,
        heads=heads,
        self_share=share,
        rollout=_patches(row) if row is not None else None,
        rollout_self=row[:, 0] if row is not None else None,
        logits=logits,
        side=side,
    )


def summary_map(att: CLSAttention) -> torch.Tensor:
    """One map per image, (B, N): the rollout for ViT stacks, the last block for class attention
    (the CLS token that reaches the classifier is the last block's)."""
    return att.rollout if att.rollout is not None else att.blocks[:, -1]


def summary_self(att: CLSAttention) -> torch.Tensor:
    """(B,): the CLS -> CLS weight left out of summary_map."""
    return att.rollout_self if att.rollout_self is not None else att.self_share[:, -1]
