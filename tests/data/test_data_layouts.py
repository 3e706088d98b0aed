"""Each real layout on disk: counts, label mapping, splits, and the errors bad files give."""

from __future__ import annotations

from pathlib import Path

import pytest

from fertui.data import AFFECTNET_CLASSES, FERPLUS_CLASSES, RAF_CLASSES, dataset_splits, open_dataset
from fertui.data.check import check_dataset
from fertui.errors import ConfigError, UserError

from .conftest import config, save_image


def test_rafdb_official_counts_labels_and_splits(rafdb_root: Path):
    cfg = config("rafdb", rafdb_root)
    train, test = open_dataset(cfg, "train"), open_dataset(cfg, "val")
    assert (len(train), len(test), test.split) == (14, 7, "test")
    assert train.classes == RAF_CLASSES == ["Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral"]
    assert set(train.class_counts().values()) == {2} and set(test.class_counts().values()) == {1}
    path, label = train.samples[0]  # "train_00001.jpg 1" -> Surprise, aligned file name
    assert Path(path).name == "train_00001_aligned.jpg" and RAF_CLASSES[label] == "Surprise"
    path, label = train.samples[-1]  # the last train line has label 7 -> Neutral
    assert RAF_CLASSES[label] == "Neutral"
    assert all(Path(p).name.startswith("test_") for p, _ in test.samples)
    image, label = test[0]
    assert image.mode == "RGB" and image.size == (100, 100)
    assert dataset_splits(cfg) == ["train", "test"] and not train.problems


def test_rafdb_root_may_be_the_basic_folder(rafdb_root: Path):
    assert len(open_dataset(config("rafdb", rafdb_root / "basic"), "train")) == 14


def test_rafdb_malformed_label_line_names_file_and_line(rafdb_root: Path):
    label_file = rafdb_root / "basic" / "EmoLabel" / "list_patition_label.txt"
    lines = label_file.read_text().splitlines()
    lines[2] = "train_00003.jpg five"
    label_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError, match=r"list_patition_label\.txt:3: expected .*'train_00003\.jpg five'"):
        open_dataset(config("rafdb", rafdb_root), "train")


def test_rafdb_label_out_of_range_and_missing_image_are_problems(rafdb_root: Path):
    label_file = rafdb_root / "basic" / "EmoLabel" / "list_patition_label.txt"
    label_file.write_text(label_file.read_text() + "train_09999.jpg 9\ntrain_08888.jpg 2\n")
    train = open_dataset(config("rafdb", rafdb_root), "train")
    assert len(train) == 14
    assert train.problems[0].endswith(":22: label 9 out of range 1-7")
    assert ":23: missing image" in train.problems[1] and "train_08888_aligned.jpg" in train.problems[1]
    from fertui.data import build_loaders

    with pytest.raises(UserError, match=r"label 9 out of range .*2 problems in the train split"):
        build_loaders(config("rafdb", rafdb_root))


def test_rafdb_in_imagefolder_layout_maps_digits_and_names(rafdb_folder_root: Path):
    cfg = config("rafdb", rafdb_folder_root)
    train, test = open_dataset(cfg, "train"), open_dataset(cfg, "val")
    assert train.classes == RAF_CLASSES
    assert list(train.class_counts().values()) == [1, 2, 3, 4, 5, 6, 7]  # folder k -> RAF_CLASSES[k - 1]
    assert test.split == "test" and set(test.class_counts().values()) == {1}
    (rafdb_folder_root / "test" / "bored").mkdir()
    with pytest.raises(UserError, match=r"bored: unknown class folder 'bored'; expected 1\.\.7 or one of Surprise"):
        open_dataset(cfg, "val")


def test_ferplus_majority_vote_drops_unknown_nf_and_ties(ferplus_root: Path):
    cfg = config("ferplus", ferplus_root)
    assert dataset_splits(cfg) == ["train", "valid", "test"]
    train = open_dataset(cfg, "train")
    assert train.classes == FERPLUS_CLASSES and len(FERPLUS_CLASSES) == 8
    got = {Path(p).name: FERPLUS_CLASSES[y] for p, y in train.samples}
    assert got == {
        "fer0000000.png": "Neutral",
        "fer0000001.png": "Happiness",
        "fer0000002.png": "Surprise",
        "fer0000006.png": "Contempt",
    }
    assert train.notes == ["dropped 3 images with unknown/NF or tied majority"]
    image, _ = train[0]
    assert image.mode == "RGB"  # grayscale source, three channels out
    assert open_dataset(cfg, "val").split == "test"


def test_ferplus_bad_row_names_file_and_line(ferplus_root: Path):
    label_file = ferplus_root / "FER2013Valid" / "label.csv"
    label_file.write_text(label_file.read_text() + 'fer0000009.png,"(0, 0, 48, 48)",1,2,x,0,0,0,0,0,0,0\n')
    with pytest.raises(UserError, match=r"FER2013Valid/label\.csv:8: expected .*vote counts must be integers"):
        open_dataset(config("ferplus", ferplus_root), "valid")
    label_file.write_text("fer0000000.png,1,2\n")
    with pytest.raises(UserError, match=r"label\.csv:1: expected .* \(12 columns\), got 3 columns"):
        open_dataset(config("ferplus", ferplus_root), "valid")


@pytest.mark.parametrize("keep", [7, 8])
def test_affectnet_7_and_8_classes(affectnet_root: Path, keep: int):
    cfg = config("affectnet", affectnet_root, affectnet_classes=keep)
    train, val = open_dataset(cfg, "train"), open_dataset(cfg, "val")
    assert train.classes == AFFECTNET_CLASSES[:keep] and val.split == "val"
    assert list(train.class_counts().values()) == list(range(1, keep + 1))  # folder k -> AFFECTNET_CLASSES[k]
    assert len(val) == keep
    assert any("Contempt" in n or "/7:" in n for n in train.notes) == (keep == 7)


def test_imagefolder_classes_sorted_and_valid_split_is_val(imagefolder_root: Path):
    cfg = config("imagefolder", imagefolder_root)
    train, val = open_dataset(cfg, "train"), open_dataset(cfg, "val")
    assert train.classes == ["cat", "dog", "owl"] and train.class_counts() == {"cat": 3, "dog": 2, "owl": 1}
    assert val.split == "valid" and len(val) == 3 and dataset_splits(cfg) == ["train", "valid"]
    save_image(imagefolder_root / "valid" / "emu" / "x.png")
    with pytest.raises(UserError, match=r"emu: unknown class 'emu'; train/ has cat, dog, owl"):
        open_dataset(cfg, "val")


def test_bad_roots_are_config_errors(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("FERTUI_RUN_DIR", raising=False)
    with pytest.raises(ConfigError, match=r"^config: data\.root: .*nowhere: no such folder$"):
        open_dataset(config("rafdb", tmp_path / "nowhere"), "train")
    with pytest.raises(ConfigError, match=r"data\.root: expected the folder holding the rafdb data set"):
        open_dataset(config("rafdb"), "train")
    with pytest.raises(UserError, match=r"no basic/EmoLabel/list_patition_label\.txt"):
        open_dataset(config("rafdb", tmp_path), "train")


def test_corrupt_image_is_reported_by_check_and_raised_on_read(rafdb_root: Path):
    broken = rafdb_root / "basic" / "Image" / "aligned" / "train_00002_aligned.jpg"
    broken.write_bytes(broken.read_bytes()[:40])  # a truncated JPEG
    cfg = config("rafdb", rafdb_root)
    report = check_dataset(cfg)
    train = report["splits"][0]
    assert report["problems"] == 1 and len(train["problems"]) == 1
    assert train["problems"][0].startswith(f"{broken}: unreadable image")
    assert train["sizes"] == {"100x100": 13} and report["splits"][1]["role"] == "val"
    with pytest.raises(UserError, match="train_00002_aligned.jpg: unreadable image"):
        open_dataset(cfg, "train")[1]


def test_inside_a_job_relative_roots_start_at_the_workspace(tmp_path: Path, rafdb_root: Path, monkeypatch):
    run_dir = tmp_path / "runs" / "00001"
    monkeypatch.setenv("FERTUI_RUN_DIR", str(run_dir))
    monkeypatch.chdir(run_dir.parent.parent.parent)  # any other folder
    assert len(open_dataset(config("rafdb", rafdb_root.relative_to(tmp_path)), "train")) == 14
    with pytest.raises(ConfigError, match=rf"^{run_dir / 'config.toml'}: data\.root: {tmp_path / 'gone'}: no such"):
        open_dataset(config("rafdb", "gone"), "train")


def test_label_files_with_header_and_crlf_line_ends(ferplus_root: Path, rafdb_root: Path):
    label_file = ferplus_root / "FER2013Test" / "label.csv"
    header = "Image name,box,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n"
    label_file.write_text(header + label_file.read_text())
    assert len(open_dataset(config("ferplus", ferplus_root), "test")) == 4
    raf_labels = rafdb_root / "basic" / "EmoLabel" / "list_patition_label.txt"
    raf_labels.write_bytes(raf_labels.read_bytes().replace(b"\n", b"\r\n"))
    assert len(open_dataset(config("rafdb", rafdb_root), "train")) == 14
