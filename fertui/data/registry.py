"""Pick the data set a config names: resolve its root and layout, open one split."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fertui.data.classes import AFFECTNET_CLASSES, FERPLUS_CLASSES, RAF_CLASSES
from fertui.data.ferplus import SPLIT_DIRS, ferplus, ferplus_splits
from fertui.data.folders import EVAL_SPLITS, imagefolder, known_classes, resolve_split, scan_split, split_folders
from fertui.data.rafdb import IMAGE_DIR, LABEL_FILE, find_basic, rafdb_official
from fertui.errors import ConfigError


def sections(config: Any) -> tuple[dict[str, dict[str, Any]], str]:
    """The nested section dict and a name for error messages, from a RunConfig or a plain dict."""
    if hasattr(config, "to_toml_dict"):
        return config.data, config.source
    if os.environ.get("FERTUI_RUN_DIR"):  # inside a job the dict came from the run's config.toml
        return config, str(Path(os.environ["FERTUI_RUN_DIR"]) / "config.toml")
    return config, "config"


def workspace_root(base: str | Path | None = None) -> Path | None:
    """Where relative data roots start and runs/.cache lives: BASE, else the job's workspace."""
    if base is not None:
        return Path(base)
    if os.environ.get("FERTUI_RUN_DIR"):  # runs/<id>/ inside the workspace
        return Path(os.environ["FERTUI_RUN_DIR"]).resolve().parent.parent
    if os.environ.get("FERTUI_HOME"):
        return Path(os.environ["FERTUI_HOME"])
    return None


def data_root(config: Any, base: str | Path | None = None) -> Path:
    tree, source = sections(config)
    raw = tree["data"]["root"]
    if not raw:
        raise ConfigError(source, "data.root", f"expected the folder holding the {tree['data']['name']} data set")
    root = Path(raw).expanduser()
    if not root.is_absolute():
        root = (workspace_root(base) or Path.cwd()) / root
    if not root.is_dir():
        raise ConfigError(source, "data.root", f"{root}: no such folder")
    return root


def layout(config: Any, root: Path) -> str:
    """``official`` or ``imagefolder``; ``auto`` looks for the official label files first."""
    tree, source = sections(config)
    data = tree["data"]
    name, wanted = data["name"], data["layout"]
    if name in ("affectnet", "imagefolder"):
        return "imagefolder"  # these ship only as class folders
    if wanted != "auto":
        return wanted
    official = find_basic(root) is not None if name == "rafdb" else bool(ferplus_splits(root))
    if official or not (root / "train").is_dir():
        return "official"  # with neither present, the official loader names the missing file
    return "imagefolder"


def check_layout(config: Any, base: str | Path | None = None) -> None:
    """The cheap part of ``fertui data check``, for queue time: the root exists and holds the
    layout's label file or split folders. No image is opened (``data check`` decodes them all)."""
    tree, source = sections(config)
    name = tree["data"]["name"]
    if name == "synthetic":
        return
    root = data_root(config, base)

    def fail(message: str) -> ConfigError:
        return ConfigError(source, "data.root", f"{root}: {message}")

    if layout(config, root) == "official":
        if name == "rafdb":
            basic = find_basic(root)
            if basic is None:
                raise fail(
                    f"no basic/{LABEL_FILE}; expected the RAF-DB basic release "
                    '(or set data.layout = "imagefolder" for train/<class>/ folders)'
                )
            if not (basic / IMAGE_DIR).is_dir():
                raise fail(
                    f"no {(basic / IMAGE_DIR).relative_to(root)}/ folder; expected the aligned images next to EmoLabel/"
                )
        elif "train" not in ferplus_splits(root):
            raise fail(
                f"no {SPLIT_DIRS['train']}/label.csv; expected the FERPlus label files "
                f"({', '.join(SPLIT_DIRS.values())})"
            )
        return
    present = split_folders(root)
    if "train" not in present:
        raise fail("no train/ folder; expected train/<class>/<image> and test/<class>/<image>")
    if not any(split in present for split in EVAL_SPLITS):
        raise fail(f"no evaluation split folder; expected one of {', '.join(f'{n}/' for n in EVAL_SPLITS)}")


def dataset_splits(config: Any, base: str | Path | None = None) -> list[str]:
    """Every split the data set has, training split first (what `fertui data check` scans)."""
    tree, _ = sections(config)
    name = tree["data"]["name"]
    if name == "synthetic":
        return ["train", "test"]
    root = data_root(config, base)
    if layout(config, root) == "official":
        return ["train", "test"] if name == "rafdb" else (ferplus_splits(root) or ["train"])
    return split_folders(root) or ["train"]


def eval_split(config: Any, base: str | Path | None = None) -> str:
    """The split name that ``open_dataset(config, "val")`` reads."""
    tree, _ = sections(config)
    if tree["data"]["name"] == "synthetic":
        return "test"
    root = data_root(config, base)
    return "test" if layout(config, root) == "official" else resolve_split(root, "val")


def open_dataset(config: Any, split: str, base: str | Path | None = None):
    """SPLIT ("train", "val" = the evaluation split, or a split name) of the configured data set."""
    tree, _ = sections(config)
    data = tree["data"]
    name = data["name"]
    if name == "synthetic":
        return _synthetic(tree, split, base)
    root = data_root(config, base)
    if layout(config, root) == "official":
        split = "test" if split == "val" else split
        return rafdb_official(root, split) if name == "rafdb" else ferplus(root, split)
    if name == "imagefolder":
        return imagefolder(root, split)
    if name == "affectnet":
        keep = data["affectnet_classes"]
        return scan_split(name, root, split, AFFECTNET_CLASSES[:keep], known_classes(AFFECTNET_CLASSES, 0, keep))
    classes = RAF_CLASSES if name == "rafdb" else FERPLUS_CLASSES
    return scan_split(name, root, split, classes, known_classes(classes, 1 if name == "rafdb" else 0))


def _synthetic(tree: dict[str, dict[str, Any]], split: str, base: str | Path | None):
    from fertui.data.synthetic import native_size, synthetic_dataset

    data = tree["data"]
    split = "test" if split == "val" else split
    if split not in ("train", "test"):
        raise ConfigError(sections(tree)[1], "data.name", f"the synthetic set has splits train and test, not {split!r}")
    count = data["synthetic_train"] if split == "train" else data["synthetic_test"]
    root = workspace_root(base)
    cache = root / "runs" / ".cache" if root is not None else None
    return synthetic_dataset(
        split, count, native_size(tree["model"]["input_size"]), seed=data.get("synthetic_seed", 0), cache_dir=cache
    )
