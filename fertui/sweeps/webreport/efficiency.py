"""The workspace's benchmarks as the notes' efficiency table, one table per device."""

from __future__ import annotations

import dataclasses
from html import escape

from fertui.bench.runner import BenchRow
from fertui.bench.table import COLUMNS, caption, cells
from fertui.sweeps.webreport.markup import table

FIELDS = {f.name for f in dataclasses.fields(BenchRow)}


def latest_rows(docs: list[dict]) -> list[BenchRow]:
    """The newest measurement of each model, mode, batch size, device and precision."""
    latest: dict[tuple, dict] = {}
    for doc in sorted(docs, key=lambda d: d.get("time") or 0):
        latest[tuple(doc.get(k) for k in ("model", "mode", "batch_size", "device", "precision"))] = doc
    rows = []
    for doc in latest.values():
        try:
            rows.append(BenchRow(**{k: v for k, v in doc.items() if k in FIELDS}))
        except TypeError:  # a record from an older fertui that lacks a field: not shown
            continue
    return sorted(rows, key=lambda r: (r.device, r.model, r.mode, r.batch_size))


def efficiency_section(docs: list[dict]) -> str:
    rows = latest_rows(docs)
    if not rows:
        return ""
    parts = ['<section id="efficiency"><h2>Efficiency</h2>']
    for device in sorted({r.device for r in rows}):
        on_device = [r for r in rows if r.device == device]
        parts.append(table(list(COLUMNS), [cells(r) for r in on_device], "efficiency"))
        parts.append(f"<p class='caption'>{escape(caption(on_device))}</p>")
    return "".join(parts) + "</section>"
