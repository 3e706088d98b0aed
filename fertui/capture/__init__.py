"""Metrics from code fertui did not write: printed lines, TensorBoard files, CSV logs."""
