"""``fertui explain RUN``: a finished run's ``best.pt`` on its validation images, and where the
CLS token looked. Writes PNG grids and a JSON of the mean map per class (read by the console)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fertui.atomicio import atomic_write_text
from fertui.errors import UserError
from fertui.workspace import Workspace

MEAN_MAP_IMAGES = 256  # per class: enough for a stable mean, a few seconds on a CPU
BATCH = 32
MAPS_FILE = "attention.json"


@dataclass
class Explanation:
    run_id: str
    model: str
    kind: str  # "class attention" | "self-attention"
    classes: list[str]
    side: int
    depth: int
    faces: list = field(default_factory=list)  # (H, W, 3) floats 0..1, the images shown
    labels: list[int] = field(default_factory=list)
    predicted: list[int] = field(default_factory=list)
    block_maps: list = field(default_factory=list)  # per face: (depth, side, side)
    summary_maps: list = field(default_factory=list)  # per face: (side, side); rollout for ViT
    class_means: dict[int, list] = field(default_factory=dict)  # class -> (side, side) mean summary map
    class_counts: dict[int, int] = field(default_factory=dict)
    class_self: dict[int, float] = field(default_factory=dict)  # class -> mean CLS -> CLS weight of the summary
    block_self: list[float] = field(default_factory=list)  # per block: mean CLS -> CLS weight over every image

    @property
    def summary_name(self) -> str:
        return "rollout" if self.kind == "self-attention" else f"class attention of block {self.depth}"


def explain_dir(ws: Workspace, run_id: str) -> Path:
    return ws.run_dir(run_id) / "explain"


def load_best(ws: Workspace, run: dict):
    """(model in eval mode, resolved config, classes) from the run's checkpoints/best.pt."""
    from fertui.train import checkpoint as ckpt

    path = ckpt.best_path(ws.run_dir(run["id"]))
    if not path.is_file() and ckpt.last_path(ws.run_dir(run["id"])).is_file():
        path = ckpt.last_path(ws.run_dir(run["id"]))  # [train] keep = "last"
    if not path.is_file():
        if run.get("cleaned"):
            from fertui.disk import cleaned_note

            raise UserError(f"{cleaned_note(run)}; `fertui explain` needs its checkpoint")
        raise UserError(
            f"run {run['id']} has no best checkpoint ({path}); `fertui explain` needs a run of "
            "the built-in trainer that finished at least one validation"
        )
    state = ckpt.load(path)
    config, classes = state.get("config"), state.get("classes")
    if not isinstance(config, dict) or not classes:
        raise UserError(f"{path}: not a fertui trainer checkpoint (no config/classes in it)")
    from models import build_from_config

    name = str(config["model"].get("name", ""))
    if not name.startswith(("clsfer_", "baseline_")):
        raise UserError(
            f"run {run['id']}: model {name!r} has no CLS-token transformer head to explain "
            "(expected clsfer_* or baseline_*)"
        )
    model = build_from_config({**config["model"], "num_classes": len(classes), "pretrained": ""})
    model.load_state_dict(state["model"])
    return model.eval(), config, list(classes)


def explain_run(ws: Workspace, run: dict, images: int = 4, per_class: bool = False) -> Explanation:
    """Maps for IMAGES validation images (per class with PER_CLASS), and each class's mean map."""
    import torch

    from fertui.data.registry import open_dataset, sections
    from fertui.data.transforms import build_transforms
    from fertui.explain.attention import cls_attention, summary_map, summary_self

    if images < 1:
        raise UserError(f"--images: expected a number >= 1, got {images}")
    model, config, classes = load_best(ws, run)
    tree, source = sections(config)
    dataset = open_dataset(config, "val", ws.root)
    transform = build_transforms(tree, False, source)
    mean = torch.tensor(tree["data"]["mean"]).view(3, 1, 1)
    std = torch.tensor(tree["data"]["std"]).view(3, 1, 1)
    by_class: dict[int, list[int]] = {}
    for index, label in enumerate(dataset.targets):
        by_class.setdefault(label, []).append(index)
    shown = (
        [i for c in sorted(by_class) for i in by_class[c][:images]]
        if per_class
        else list(range(min(images, len(dataset))))
    )
    out = Explanation(
        run_id=run["id"],
        model=str(config["model"]["name"]),
        kind="class attention" if model.head_block == "class_attn" else "self-attention",
        classes=classes,
        side=0,
        depth=model.depth,
    )

    def run_batch(indices: list[int]):
        batch = torch.stack([transform(dataset[i][0]) for i in indices])
        return batch, cls_attention(model, batch)

    for start in range(0, len(shown), BATCH):
        indices = shown[start : start + BATCH]
        batch, att = run_batch(indices)
        out.side = att.side
        summary = summary_map(att)
        for j, index in enumerate(indices):
            out.faces.append((batch[j] * std + mean).clamp(0, 1).permute(1, 2, 0).numpy())
            out.labels.append(dataset.targets[index])
            out.predicted.append(int(att.logits[j].argmax()))
            out.block_maps.append(att.blocks[j].view(-1, att.side, att.side).numpy())
            out.summary_maps.append(summary[j].view(att.side, att.side).numpy())
    block_self = None
    for label, indices in sorted(by_class.items()):
        total, count, kept = None, 0, 0.0
        for start in range(0, min(len(indices), MEAN_MAP_IMAGES), BATCH):
            _, att = run_batch(indices[start : min(start + BATCH, MEAN_MAP_IMAGES)])
            out.side = att.side
            maps = summary_map(att)
            total = maps.sum(0) if total is None else total + maps.sum(0)
            kept += float(summary_self(att).sum())
            per_block = att.self_share.sum(0)
            block_self = per_block if block_self is None else block_self + per_block
            count += maps.shape[0]
        out.class_means[label] = (total / count).view(out.side, out.side).numpy()
        out.class_counts[label] = count
        out.class_self[label] = kept / count
    images_seen = sum(out.class_counts.values())
    out.block_self = [float(v) / images_seen for v in block_self] if block_self is not None else []
    return out


def write_maps_json(ex: Explanation, path: Path) -> Path:
    doc = {
        "run": ex.run_id,
        "model": ex.model,
        "kind": ex.kind,
        "side": ex.side,
        "depth": ex.depth,
        "map": ex.summary_name,
        "classes": ex.classes,
        "class_means": {ex.classes[c]: m.tolist() for c, m in ex.class_means.items()},
        "class_counts": {ex.classes[c]: n for c, n in ex.class_counts.items()},
        # A map holds the patches' share of the attention; the CLS token kept the rest for itself.
        "class_cls_self": {ex.classes[c]: w for c, w in ex.class_self.items()},
        "block_cls_self": ex.block_self,
    }
    atomic_write_text(path, json.dumps(doc))
    return path
