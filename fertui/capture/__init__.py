"""Metrics from code fertui did not write: printed lines, TensorBoard files, CSV logs."""


def next_scan_delay(rescan_s: float, scan_took_s: float) -> float:
    """Seconds until a source looks for new files again: a run folder holding a data set or many
    checkpoints makes the walk slow, so a slow walk is repeated less often."""
    return max(rescan_s, 20 * scan_took_s) if scan_took_s > 0.05 else rescan_s
