"""The console app: state fed by the watcher thread, eight screens, and the global keys."""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from fertui.store import Store
from fertui.tui.messages import LogTail, RunEvents, StoreChanged
from fertui.tui.series import RunSeries
from fertui.tui.watcher import Watcher
from fertui.tui.widgets.screen_tabs import SCREENS
from fertui.workspace import Workspace

ALERT_TITLES = {
    "nan": "NaN loss",
    "failed": "Run failed",
    "oom": "Out of memory",
    "lost": "Run lost",
    "sweep_held": "Sweep held",
}


def _modes() -> dict:
    from fertui.tui.screens.alerts import AlertsScreen
    from fertui.tui.screens.benchmarks import BenchmarksScreen
    from fertui.tui.screens.detail import DetailScreen
    from fertui.tui.screens.gpus import GpusScreen
    from fertui.tui.screens.leaderboard import LeaderboardScreen
    from fertui.tui.screens.queue import QueueScreen
    from fertui.tui.screens.runs import RunsScreen
    from fertui.tui.screens.suggestions import SuggestionsScreen

    return {
        "runs": RunsScreen,
        "detail": DetailScreen,
        "queue": QueueScreen,
        "board": LeaderboardScreen,
        "suggest": SuggestionsScreen,
        "bench": BenchmarksScreen,
        "alerts": AlertsScreen,
        "gpus": GpusScreen,
    }


class FertuiApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "fertui"
    BINDINGS = [
        *(Binding(key, f"show('{mode}')", label, show=False) for mode, key, label in SCREENS),
        Binding("question_mark", "help", "Help"),
        Binding("a", "add_config", "Add config"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, ws: Workspace, start_daemon: bool = True, watch_interval: float = 0.2, clock=time.time):
        super().__init__()
        self.ws = ws
        self.now = clock  # tests freeze it so ages in snapshots do not drift
        self.store = Store(ws.store_path)
        self.start_daemon = start_daemon
        self.started_at = time.time()
        self.snapshot: dict = {}
        self.runs: dict[str, dict] = {}
        self.series: dict[str, RunSeries] = {}
        self.log_lines: dict[str, list[str]] = {}
        self.marked: set[str] = set()
        self.detail_run: str | None = None
        self.toasted: set[tuple] = set()
        self.acked_here: set[int] = set()
        self.seen_nans: list[dict] = []  # NaN events read from tails, before the daemon records them
        self.bells = 0
        self.watcher = Watcher(ws, self.post_message, interval=watch_interval)
        self.crash: tuple[Exception, object] | None = None  # (error, log path) of an unexpected exception
        for mode, screen in _modes().items():
            self.add_mode(mode, screen)

    # ---- start and stop ---------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        # Textual (pinned 8.x) then exits with return code 1 and prints a full-screen traceback
        # with locals; fertui keeps the traceback in runs/console.log and prints one line instead.
        from fertui.tui.crash import write_crash_log

        if self.crash is None:
            self.crash = (error, write_crash_log(self.ws.runs_dir, error))
        super()._handle_exception(error)
        self._exit_renderables.clear()

    def on_mount(self) -> None:
        if not self.is_headless and self.console.color_system in ("standard", "windows"):
            # A 16-colour terminal (TERM=xterm, many SSH set-ups): the terminal's own ANSI
            # palette keeps red, green and magenta apart; RGB themes would be squashed into it.
            self.theme = "ansi-dark"
        self.switch_mode("runs")
        self.run_worker(self._watch, thread=True, exclusive=True, group="watcher", exit_on_error=False)
        if self.start_daemon:
            self._ensure_daemon()

    def _watch(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        self.watcher.run(cancelled=lambda: worker.is_cancelled)

    @work(thread=True, exit_on_error=False, group="daemon")
    def _ensure_daemon(self) -> None:
        from fertui.scheduler.daemon import ensure_daemon

        try:
            ensure_daemon(self.ws)
        except Exception as exc:  # the console stays useful for looking at results
            self.notify(f"could not start the scheduler daemon: {exc}", severity="error")

    def on_unmount(self) -> None:
        self.watcher.stop()

    async def action_quit(self) -> None:
        self.watcher.stop()  # jobs belong to the daemon: quitting leaves them running
        self.exit()

    # ---- state from the watcher ---------------------------------------------------------------
    def on_store_changed(self, message: StoreChanged) -> None:
        self.snapshot = message.snapshot
        self.runs = {r["id"]: r for r in self.snapshot.get("runs", {}).values()}
        try:
            self._toast_new_store_alerts()
            self._refresh_screen()
        finally:  # only now may the watcher parse the next one: it would compete for the GIL
            self.watcher.snapshot_taken.set()

    def on_run_events(self, message: RunEvents) -> None:
        if message.reset or message.run_id not in self.series:
            self.series[message.run_id] = RunSeries()
        for event in self.series[message.run_id].add(message.events):
            self._nan_seen(message.run_id, event)

    def on_log_tail(self, message: LogTail) -> None:
        self.log_lines[message.run_id] = message.lines

    def _refresh_screen(self) -> None:
        from textual.css.query import NoMatches

        screen = self.screen
        if hasattr(screen, "refresh_state"):
            try:
                screen.refresh_state()
                screen.update_alert_badge(self.open_alert_count())
            except NoMatches:  # its widgets are gone (the app is closing) or not there yet (resume draws it)
                pass

    # ---- alerts -------------------------------------------------------------------------------
    def alerts(self) -> list[dict]:
        """Alerts grouped by (run, kind), oldest first: a job that logs NaN on every step
        after the first one is one alert to the researcher, not hundreds."""
        rows = [
            {"doc_id": int(k), **v, "acked": v.get("acked") or int(k) in self.acked_here}
            for k, v in self.snapshot.get("alerts", {}).items()
        ]
        recorded = {(a.get("run"), a.get("kind")) for a in rows}
        rows += [n for n in self.seen_nans if (n["run"], "nan") not in recorded]
        groups: dict[tuple, dict] = {}
        for a in sorted(rows, key=lambda a: a.get("time") or 0):
            key = (a.get("run"), a.get("kind"), bool(a.get("acked")))
            group = groups.setdefault(key, {**a, "key": "|".join(map(str, key)), "members": []})
            group["members"].append(a)
            group["count"] = len(group["members"])
        return list(groups.values())

    def open_alert_count(self) -> int:
        return sum(1 for a in self.alerts() if not a.get("acked"))

    def _nan_seen(self, run_id: str, event: dict) -> None:
        if (event.get("time") or 0) < self.started_at:
            return  # an old NaN from before this console opened: the Alerts screen has it
        run = self.runs.get(run_id, {})
        step = event.get("step")
        message = f"{event.get('metric', 'loss')} is NaN at step {step}"
        if all(n["run"] != run_id for n in self.seen_nans):
            self.seen_nans.append(
                {
                    "doc_id": None,
                    "run": run_id,
                    "kind": "nan",
                    "message": message,
                    "time": event.get("time") or time.time(),
                    "acked": False,
                }
            )
        self._toast(run_id, "nan", f"run {run_id} {run.get('name', '')}: {message}")
        self._refresh_screen()

    def _toast_new_store_alerts(self) -> None:
        for alert in self.snapshot.get("alerts", {}).values():
            if alert.get("acked") or alert.get("kind") not in ALERT_TITLES:
                continue
            if (alert.get("time") or 0) < self.started_at:
                continue
            run_id = alert.get("run")
            if run_id is None:  # about a sweep or the workspace: the message names it
                self._toast(f"sweep:{alert.get('sweep')}:{alert.get('time')}", alert["kind"], alert.get("message", ""))
                continue
            run = self.runs.get(run_id, {})
            self._toast(run_id, alert["kind"], f"run {run_id} {run.get('name', '')}: {alert.get('message', '')}")

    def _toast(self, run_id, kind: str, text: str) -> None:
        if (run_id, kind) in self.toasted:
            return
        self.toasted.add((run_id, kind))
        self.notify(text, title=ALERT_TITLES.get(kind, kind), severity="error", timeout=15, markup=False)
        self.bells += 1
        self.bell()

    def acknowledge(self, groups: list[dict]) -> None:
        members = [m for g in groups for m in g["members"]]
        doc_ids = [m["doc_id"] for m in members if m.get("doc_id") is not None]
        for member in members:
            member["acked"] = True  # a NaN the daemon has not recorded yet: hidden for this session
        self.acked_here.update(doc_ids)  # hidden at once, even if an older snapshot arrives first
        if doc_ids:
            self.run_worker(lambda: self.store.ack_alerts(doc_ids), thread=True, group="ack")

    # ---- global actions ---------------------------------------------------------------------
    def action_show(self, mode: str) -> None:
        self.switch_mode(mode)

    def open_run(self, run_id: str) -> None:
        self.detail_run = run_id
        self.switch_mode("detail")

    def action_help(self) -> None:
        from fertui.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_add_config(self) -> None:
        from fertui.tui.screens.picker import ConfigPicker

        self.push_screen(ConfigPicker(self.ws), lambda path: path and self.enqueue_config(path))

    @work(thread=True, exit_on_error=False, group="enqueue")
    def enqueue_config(self, path) -> None:
        from fertui.errors import UserError
        from fertui.tui.screens.picker import plan_and_enqueue

        try:
            ids = plan_and_enqueue(self.ws, path)
        except UserError as exc:  # a config error: one line, nothing queued
            self.notify(str(exc), title="not queued", severity="error", timeout=12, markup=False)
            return
        what = f"run {ids[0]}" if len(ids) == 1 else f"{len(ids)} runs ({ids[0]}-{ids[-1]})"
        self.notify(f"queued {what} from {path.name}", markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of every screen, so the palette is a complete index of the console."""
        yield from super().get_system_commands(screen)
        for mode, key, label in SCREENS:
            yield SystemCommand(
                f"Screen {key}: {label}", f"switch to the {label} screen (key {key})", partial(self.switch_mode, mode)
            )
        yield SystemCommand(
            "Add config or sweep", "pick a file from configs/ and queue it (key a)", self.action_add_config
        )
        yield SystemCommand("Help", "list the keys of this screen (key ?)", self.action_help)
        for mode, screen_cls in _modes().items():
            for binding in getattr(screen_cls, "BINDINGS", []):
                yield SystemCommand(
                    f"{screen_cls.TITLE}: {binding.description}",
                    f"key {binding.key} on the {screen_cls.TITLE} screen",
                    partial(self.run_on_screen, mode, binding.action),
                )

    def run_on_screen(self, mode: str, action: str) -> None:
        self.switch_mode(mode)
        self.call_after_refresh(lambda: self.run_action(action, self.screen))


def make_app(ws: Workspace, **opts) -> FertuiApp:
    """The one place the console is built: the CLI and the tests both call this."""
    return FertuiApp(ws, **opts)


def run_console(ws: Workspace, start_daemon: bool = True, **run_opts) -> None:
    """Run the console; an unexpected exception in it ends the process with status 1 and one line."""
    import sys

    app = make_app(ws, start_daemon=start_daemon)
    app.run(**run_opts)
    if app.crash is not None or (app.return_code or 0) != 0:
        from fertui.tui.crash import crash_line

        if app.crash is not None:
            print(crash_line(*app.crash), file=sys.stderr)
        raise SystemExit(app.return_code or 1)
