"""Explaining a trained run: where its CLS token attends (``fertui explain``)."""
