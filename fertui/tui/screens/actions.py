"""Cancel and retry, shared by the Runs and Queue screens; the scheduler does the work."""

from __future__ import annotations

from fertui.tui.screens.confirm import Confirm

CANCELLABLE = ("queued", "running")
RETRYABLE = ("failed", "nan", "oom", "cancelled", "lost", "pruned", "done")


def cancel_run(screen, run_id: str | None) -> None:
    app = screen.app
    run = app.runs.get(run_id or "")
    if run is None:
        app.notify("no run selected", severity="warning")
        return
    if run["status"] not in CANCELLABLE:
        app.notify(f"run {run_id} is {run['status']}: nothing to cancel", severity="warning")
        return

    def answered(yes: bool | None) -> None:
        if yes:
            call_scheduler(app, "control.cancel_runs", [[run_id]], f"cancel requested for run {run_id}")

    app.push_screen(Confirm(f"Cancel run {run_id} {run.get('name', '')} ({run['status']})?"), answered)


def retry_run(screen, run_id: str | None) -> None:
    app = screen.app
    run = app.runs.get(run_id or "")
    if run is None:
        app.notify("no run selected", severity="warning")
        return
    if run["status"] not in RETRYABLE:
        app.notify(f"run {run_id} is {run['status']}: only finished runs can be retried", severity="warning")
        return
    call_scheduler(app, "control.retry_runs", [[run_id]])


def call_scheduler(app, name: str, args: list, done: str = "") -> None:
    """Call fertui.scheduler.NAME(ws, *ARGS) off the UI thread, NAME as "module.function"
    ("control.cancel_runs", "queue_state.pause"); report in a toast."""

    def work() -> None:
        import importlib

        module, function = name.split(".")
        try:  # imported lazily: the console starts without the scheduler's imports
            result = getattr(importlib.import_module(f"fertui.scheduler.{module}"), function)(app.ws, *args)
        except Exception as exc:  # a user error from the scheduler (unknown id, wrong state)
            app.notify(f"{function.replace('_', ' ')}: {exc}", severity="error", markup=False)
            return
        said = done  # a new name: assigning DONE here would make it work's own, unbound when read
        if isinstance(result, list) and result and isinstance(result[0], tuple):
            said = "; ".join(f"{a}: {b}" for a, b in result)  # [(run id, what happened)]
        if said:
            app.notify(said, markup=False)

    app.run_worker(work, thread=True, group="control", exit_on_error=False)
