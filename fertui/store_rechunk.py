"""The one-time split of partitions written whole (before chunks) into their chunks.

A store made by an older fertui has one file per sweep and per month, however large. The first
write transaction of a newer fertui (every command that finds such a store starts one) splits
each into the chunks of :mod:`fertui.store_chunks`, with the guarantee of a move: the chunks are
written first, then the index, and only then is the whole file removed, so a kill -9 at any
point leaves a run in both places (the same document twice, which every reader collapses by run
number), never in neither. The hot file records the new layout last; until it does, every
transaction starts by finishing the split, before anything can change a run in either copy.
"""

from __future__ import annotations

from fertui.store_chunks import chunk_name, is_chunk
from fertui.store_partitions import Partitions, add_to_ranges


def whole_partitions(parts: Partitions) -> list[str]:
    """The files not yet split into chunks."""
    return [name for name in parts.names() if not is_chunk(name)]


def rechunk(parts: Partitions, index: dict) -> int:
    """Split every whole partition of PARTS into its chunks (under the store lock), keeping
    INDEX up to date; how many runs moved."""
    moved = 0
    for whole in whole_partitions(parts):
        rows = parts.read_rows(whole)
        targets: dict[str, list[str]] = {}
        for number in rows:
            targets.setdefault(chunk_name(whole, int(number)), []).append(number)
        for name, numbers in sorted(targets.items()):
            chunk = parts.read_rows(name)  # a split cut short before: its runs are these again
            ranges = index.get(name, [])
            for number in numbers:
                chunk.put_line(number, rows.line(number))
                ranges = add_to_ranges(ranges, int(number))
            parts.write(name, chunk)
            index[name] = ranges
        index.pop(whole, None)
        parts.write_index(index)  # before the whole file goes: the hint never names a missing file
        parts.remove(whole)
        moved += len(rows)
    return moved
