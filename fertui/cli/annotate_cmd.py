"""``fertui tag`` and ``fertui note``: labels and remarks added to runs after the fact."""

import time
from typing import Annotated

import typer

from fertui.cli.common import workspace
from fertui.errors import UserError

MAX_NOTE_CHARS = 2000


def register(app: typer.Typer) -> None:
    # "-y" in `fertui tag 12 +x -y` is a tag to remove, not an option: Click must pass it through.
    @app.command("tag", context_settings={"ignore_unknown_options": True})
    def tag_cmd(
        ctx: typer.Context,
        items: Annotated[
            list[str],
            typer.Argument(
                help="Runs (ids or names), then +TAG to add and -TAG to remove; with no +/- the runs' tags are shown."
            ),
        ],
    ) -> None:
        """Add or remove tags on finished or running runs (`fertui ls --tag T` filters by them)."""
        from fertui.store import Store

        edits = [i for i in items if i[:1] in "+-" and len(i) > 1 and not i[1:].isdigit()]
        refs = [i for i in items if i not in edits]
        if not refs:
            raise UserError("name at least one run, e.g. `fertui tag 42 +baseline -draft`")
        store = Store(workspace(ctx).store_path)
        runs = [store.resolve_run(ref) for ref in refs]  # every ref checked before anything changes
        for edit in edits:
            if not edit[1:].strip() or any(c.isspace() for c in edit[1:]):
                raise UserError(f"tag {edit[1:]!r}: expected a word without spaces")
        changes = {}
        for run in runs:
            tags = list(run.get("tags") or [])
            for edit in edits:
                name = edit[1:]
                if edit[0] == "+" and name not in tags:
                    tags.append(name)
                elif edit[0] == "-" and name in tags:
                    tags.remove(name)
            if tags != list(run.get("tags") or []):
                changes[run["id"]] = {"tags": tags}
            typer.echo(f"{run['id']} {run.get('name', '')}: " + (" ".join(tags) if tags else "(no tags)"))
        store.update_runs(changes)

    @app.command("note")
    def note_cmd(
        ctx: typer.Context,
        run: Annotated[str, typer.Argument(help="Run id or name.")],
        text: Annotated[str | None, typer.Argument(help="The note; without it the run's notes are shown.")] = None,
        clear: Annotated[bool, typer.Option("--clear", help="Remove the run's notes.")] = False,
    ) -> None:
        """Keep a remark with a run ("lr too high, diverged at ep 12"): shown by show, the console,
        reports and exports."""
        from fertui.store import Store

        store = Store(workspace(ctx).store_path)
        doc = store.resolve_run(run)
        notes = [] if clear else list(doc.get("notes") or [])
        if text is not None:
            if not text.strip() or len(text) > MAX_NOTE_CHARS:
                raise UserError(f"note: expected 1 to {MAX_NOTE_CHARS} characters, got {len(text.strip())}")
            notes.append({"time": time.time(), "text": text.strip()})
        if clear or text is not None:
            store.update_run(doc["id"], notes=notes)
        for note in notes:
            typer.echo(f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(note['time']))}  {note['text']}")
        if not notes:
            typer.echo(f"{doc['id']}: no notes")
