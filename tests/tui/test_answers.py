"""The run view's classes/attention pane: shades scale to the hottest patch, texts from the files."""

from __future__ import annotations

from fertui.tui.widgets.answers import SHADES, answers_text, patch_grid


def test_patch_grid_shades_scale_to_the_hottest_patch():
    grid = patch_grid([[0.0, 0.5], [0.25, 1.0]], top=1.0)
    assert grid == [SHADES[0] * 2 + SHADES[2] * 2, SHADES[1] * 2 + SHADES[4] * 2]


def test_pane_says_what_is_missing(tmp_path):
    text = answers_text(tmp_path / "00001")
    assert "no confusion matrix" in text and "fertui explain 00001" in text
