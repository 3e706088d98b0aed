"""The shape every store file must have, checked on every read.

Every file of the store (the hot ``runs/fertui.json``, a partition, an alerts archive) is one
TinyDB document: ``{table: {doc_id: doc}}``, doc ids being decimal numbers and docs JSON
objects; a run doc has a string ``id`` and ``status``. A file that parses but has another shape
(``null``, ``[]``, ``{"runs": []}``, a hand edit gone wrong) is as damaged as a torn one: it
stops every command with one line, is never made the backup, and is never restored over a good
file. The partitions' ``.index.json`` is a hint: a wrong shape there means "no index".
"""

from __future__ import annotations

import json
from typing import Any


def shape_problem(data: Any, table: str | None = None) -> str | None:
    """What is wrong with DATA as a store file's tables, or None when it is well formed. TABLE:
    the table the file must hold (a partition always has its runs, even none). fertui never
    writes ``{}`` (a hot file keeps at least its run counter): such a file was overwritten, and
    reading it as an empty store would hide every run it held."""
    if not isinstance(data, dict):
        return f"{type_name(data)}, not an object of tables"
    if not data:
        return "no tables at all"
    if table is not None and table not in data:
        return f"no {table!r} table"
    for table, docs in data.items():
        if not isinstance(docs, dict):
            return f"table {table!r} is {type_name(docs)}, not an object of documents by number"
        for doc_id, doc in docs.items():
            if not doc_id.isdigit():
                return f"table {table!r} has the key {doc_id[:40]!r}, not a document number"
            if not isinstance(doc, dict):
                return f"{table}[{doc_id}] is {type_name(doc)}, not an object"
            if table == "runs" and not (isinstance(doc.get("id"), str) and isinstance(doc.get("status"), str)):
                return f"runs[{doc_id}] lacks a string 'id' and 'status'"
    return None


def raw_rows_problem(rows: dict[str, str]) -> str | None:
    """What is wrong with a partition's runs passed through as JSON text ({number: text}), or None."""
    for number, text in rows.items():
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return f"the line of run {number} is not valid JSON"
        problem = shape_problem({"runs": {number: doc}})
        if problem:
            return problem
    return None


def valid_index(index: Any) -> bool:
    """True when INDEX is {partition name: [[low, high], ...]} with integer bounds."""
    if not isinstance(index, dict):
        return False
    for ranges in index.values():
        if not isinstance(ranges, list):
            return False
        for span in ranges:
            if not (
                isinstance(span, list)
                and len(span) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) for n in span)
            ):
                return False
    return True


def type_name(value: Any) -> str:
    if value is None:
        return "null"  # as JSON spells it: the user sees it in the file
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")
