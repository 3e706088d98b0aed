"""Shared CLI pieces: the workspace from the context, option aliases, output helpers."""

import json
import sys
from typing import Annotated, Any

import typer

from fertui.errors import UserError
from fertui.workspace import Workspace, open_workspace

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Queue into an existing sweep even where --set (or the config) changes a key outside its "
        "axes: those runs make separate cells, shown split on the board.",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="KEY=VALUE", help="Override a config key, e.g. optim.lr=4e-4."),
]


def workspace(ctx: typer.Context) -> Workspace:
    root = ctx.find_root()
    if not isinstance(root.obj, Workspace):
        root.obj = open_workspace(root.params.get("workspace"))
    return root.obj


def command_after_dashes(ctx: typer.Context) -> list[str]:
    """What followed ``--`` on the command line (see FertuiGroup.parse_args)."""
    return list(ctx.find_root().meta.get("fertui.command", []))


def print_json(data: Any) -> None:
    from fertui.jsonio import dumps

    sys.stdout.write(dumps(data) + "\n")


def print_json_rows(rows) -> None:
    """A JSON array written one element at a time: a listing of 50,000 runs is never one string."""
    from fertui.jsonio import dumps

    print_json_texts(dumps(row) for row in rows)


def print_json_texts(texts) -> None:
    """A JSON array of elements already encoded (TEXTS), written as they come."""
    write = sys.stdout.write
    write("[")
    for i, text in enumerate(texts):
        write(("," if i else "") + "\n" + text)
    write("\n]\n")


def fail(message: str) -> None:
    raise UserError(message)


def dumps_pretty(data: Any) -> str:
    return json.dumps(data, indent=2, default=str)
