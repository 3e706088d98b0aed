"""Telling a researcher who is away: NaN runs, failures, stalls, finished sweeps, a filling disk.

Configured once in ``fertui.toml``::

    [notify]
    urls = ["ntfy://my-topic", "mailto://me:pw@example.org"]   # any Apprise URL
    on = ["nan", "failed", "stalled", "sweep_done", "disk"]     # the default
    command = ["notify-send", "{title}", "{body}"]              # optional shell hook
    quiet_hours = "23:00-07:00"                                 # optional: held, then sent
    group_s = 20                                                # events grouped this long

The scheduler posts every alert it raises; the ``Notifier`` keeps those whose kind is wanted,
waits ``group_s`` so that a burst (36 failures of one sweep) becomes one message per sweep and
kind, and sends from its own thread. Sending goes through Apprise (e-mail, Slack, Telegram, ntfy,
Feishu/DingTalk, webhooks …) and the optional command; a target that fails is logged to
runs/daemon.log and never slows or stops the scheduler. What quiet hours hold is kept in
runs/notify-held.json, so it outlives the scheduler that held it (``fertui run`` stops as soon as
its queue drains, at 2 a.m. too); the next Notifier of the workspace sends it after quiet hours.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fertui.atomicio import atomic_write_text
from fertui.errors import ConfigError, DiskFull

if TYPE_CHECKING:
    from fertui.workspace import Workspace

log = logging.getLogger("fertui.scheduler")

# What a word in `on` covers among the scheduler's alert kinds.
KINDS: dict[str, tuple[str, ...]] = {
    "nan": ("nan",),
    "failed": ("failed", "oom", "lost"),
    "stalled": ("stalled", "timeout"),
    "sweep_done": ("sweep_done",),
    "disk": ("disk_full", "disk_low"),
    "held": ("sweep_held", "dependency_failed"),
    "no_metric": ("no_metric", "no_objective"),
}
DEFAULTS: dict[str, Any] = {
    "urls": [],
    "on": ["nan", "failed", "stalled", "sweep_done", "disk"],
    "command": [],
    "quiet_hours": "",
    "group_s": 20.0,
}
COMMAND_TIMEOUT_S = 30
HELD_FILE = "notify-held.json"  # in runs/: what quiet hours hold, past the process that held it
QUIET_LOOK_S = 60.0  # quiet hours end on a minute: look again this often while they hold something
HELD_LOCK_TIMEOUT_S = 10


@dataclass(frozen=True)
class Event:
    kind: str  # an alert kind: "nan", "failed", "sweep_done", ...
    line: str  # the one line that says what happened and why
    run_id: str | None = None
    sweep: str | None = None


@dataclass
class NotifySettings:
    urls: list[str] = field(default_factory=list)
    on: list[str] = field(default_factory=lambda: list(DEFAULTS["on"]))
    command: list[str] = field(default_factory=list)
    quiet_hours: tuple[int, int] | None = None  # minutes after midnight: start, end
    group_s: float = DEFAULTS["group_s"]

    @property
    def enabled(self) -> bool:
        return bool(self.urls or self.command)

    def wants(self, kind: str) -> bool:
        return any(kind in KINDS.get(word, (word,)) for word in self.on)

    def quiet(self, now: float) -> bool:
        if self.quiet_hours is None:
            return False
        start, end = self.quiet_hours
        minute = time.localtime(now).tm_hour * 60 + time.localtime(now).tm_min
        return start <= minute < end if start <= end else minute >= start or minute < end


def _minutes(text: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(text)
    return value


def parse_settings(values: dict[str, Any], source: str = "fertui.toml") -> NotifySettings:
    """The [notify] table as NotifySettings; ConfigError naming the key on a bad value."""
    for key in values:
        if key not in DEFAULTS:
            raise ConfigError(source, f"notify.{key}", f"unknown key; expected one of {sorted(DEFAULTS)}")
    merged = {**DEFAULTS, **values}
    for key in ("urls", "on", "command"):
        if not isinstance(merged[key], list) or not all(isinstance(v, str) and v for v in merged[key]):
            raise ConfigError(source, f"notify.{key}", f"expected a list of strings, got {merged[key]!r}")
    unknown = [w for w in merged["on"] if w not in KINDS]
    if unknown:
        raise ConfigError(source, "notify.on", f"unknown event {unknown[0]!r}; expected some of {sorted(KINDS)}")
    group = merged["group_s"]
    if isinstance(group, bool) or not isinstance(group, (int, float)) or not 0 <= group <= 3600:
        raise ConfigError(source, "notify.group_s", f"expected seconds from 0 to 3600, got {group!r}")
    quiet = None
    if merged["quiet_hours"]:
        try:
            start, end = str(merged["quiet_hours"]).split("-")
            quiet = (_minutes(start), _minutes(end))
        except ValueError:
            raise ConfigError(
                source,
                "notify.quiet_hours",
                f'expected "HH:MM-HH:MM", e.g. "23:00-07:00", got {merged["quiet_hours"]!r}',
            ) from None
    return NotifySettings(list(merged["urls"]), list(merged["on"]), list(merged["command"]), quiet, float(group))


def message(events: list[Event]) -> tuple[str, str]:
    """(title, body) for one group of events of one kind and sweep (or run)."""
    first = events[0]
    where = f"sweep {first.sweep}" if first.sweep else f"run {first.run_id}" if first.run_id else "workspace"
    what = first.kind.replace("_", " ")
    title = f"fertui: {what} ({where})" if len(events) == 1 else f"fertui: {len(events)}× {what} ({where})"
    lines = [f"{e.run_id}: {e.line}" if e.run_id else e.line for e in events[:20]]
    if len(events) > 20:
        lines.append(
            f"… and {len(events) - 20} more (fertui ls --sweep {first.sweep})"
            if first.sweep
            else f"… and {len(events) - 20} more"
        )
    return title, "\n".join(lines)


def grouped(events: list[Event]) -> list[list[Event]]:
    """EVENTS as the messages they make: one per `on` word and sweep (or run)."""
    groups: dict[tuple, list[Event]] = defaultdict(list)
    for event in events:
        word = next((w for w, kinds in KINDS.items() if event.kind in kinds), event.kind)
        groups[(word, event.sweep or event.run_id)].append(event)
    return list(groups.values())


class HeldFile:
    """The events quiet hours hold, as a JSON list in runs/; every change is one locked
    read-modify-write and an atomic replace, so two schedulers of a workspace never drop each
    other's events and a crash leaves the old list or the new one."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = None

    @property
    def lock(self):
        if self._lock is None:  # made on first use: a workspace that never holds never imports it
            from filelock import FileLock

            self._lock = FileLock(str(self.path) + ".lock", timeout=HELD_LOCK_TIMEOUT_S)
        return self._lock

    def events(self) -> list[Event]:
        if not self.path.exists():
            return []
        try:
            return [Event(**entry) for entry in json.loads(self.path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError) as exc:  # a hand-edited file must not stop the thread
            aside = self.path.with_name(self.path.name + ".damaged")
            try:  # out of the way, not overwritten: someone may want to read what it held
                self.path.replace(aside)
            except OSError:
                pass
            log.warning("held notifications in %s not readable (%s); set aside as %s", self.path, exc, aside)
            return []

    def add(self, events: list[Event]) -> None:
        with self.lock:
            self._write(self.events() + events)

    def remove(self, events: list[Event]) -> None:
        """Take EVENTS (those sent) off the list; any not on it are ignored."""
        with self.lock:
            kept = Counter(self.events())
            kept.subtract(events)
            self._write(list((+kept).elements()))

    def _write(self, events: list[Event]) -> None:
        if events:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps([asdict(e) for e in events], ensure_ascii=False, indent=1))
        else:
            self.path.unlink(missing_ok=True)


class Sender:
    """Delivers one message to every configured target; returns what failed, never raises."""

    def __init__(self, settings: NotifySettings):
        self.settings = settings

    def send(self, title: str, body: str) -> list[str]:
        failures = []
        if self.settings.urls:
            failures += self._apprise(title, body)
        if self.settings.command:
            failures += self._command(title, body)
        return failures

    def _apprise(self, title: str, body: str) -> list[str]:
        try:
            # Imported here: only a workspace that notifies pays for Apprise's plugin registry.
            import apprise
        except ImportError:
            return ["apprise is not installed (pip install apprise)"]
        failures = []
        for url in self.settings.urls:  # one target at a time, so the log names the one that failed
            target = apprise.Apprise()
            if not target.add(url):
                failures.append(f"{_redacted(url)}: not an Apprise URL Apprise understands")
                continue
            try:
                ok = target.notify(title=title, body=body)
            except Exception as exc:  # a plugin bug must not reach the scheduler
                ok, why = False, str(exc)
            else:
                why = "the service did not accept it"
            if not ok:
                failures.append(f"{_redacted(url)}: {why}")
        return failures

    def _command(self, title: str, body: str) -> list[str]:
        argv = [arg.replace("{title}", title).replace("{body}", body) for arg in self.settings.command]
        try:
            done = subprocess.run(
                argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [f"notify.command {argv[0]}: {exc}"]
        if done.returncode != 0:
            return [f"notify.command {argv[0]}: exit {done.returncode}: {(done.stderr or '').strip()[:200]}"]
        return []


def _redacted(url: str) -> str:
    """An Apprise URL without its secrets (tokens and passwords sit before the host)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}…" if sep and rest else url


class Notifier:
    """Groups posted events and sends them from a background thread. With HELD (a workspace's
    runs/notify-held.json), what quiet hours hold is kept there, and what an earlier Notifier
    left there is sent once quiet hours are over."""

    def __init__(
        self,
        settings: NotifySettings,
        sender: Sender | None = None,
        clock: Callable[[], float] = time.time,
        held: Path | None = None,
    ):
        self.settings = settings
        self.sender = sender or Sender(settings)
        self.clock = clock
        self.held = HeldFile(held) if held is not None else None
        self._inbox: queue.Queue[Event | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        if self.settings.enabled and self._anything_held():
            self._start()  # an earlier scheduler stopped during quiet hours: its messages are due

    def post(self, event: Event) -> None:
        if not self.settings.enabled or not self.settings.wants(event.kind):
            return
        self._start()
        self._inbox.put(event)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="fertui-notify", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Send what is waiting and stop the thread; during quiet hours, leave it held on disk."""
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        waiting: list[Event] = []
        # When to look at what waits: after group_s, so that a burst becomes one message; at once
        # when an earlier Notifier left messages on disk.
        due: float | None = self.clock() if self._anything_held() else None
        while True:
            timeout = None if due is None else max(0.0, due - self.clock())
            try:
                item = self._inbox.get(timeout=timeout)
            except queue.Empty:
                item = False
            if item is None:  # closing: send now, unless it is the middle of the night
                self._close(waiting)
                return
            if item:
                waiting.append(item)
                due = due if due is not None else self.clock() + self.settings.group_s
                continue
            if self.settings.quiet(self.clock()):
                waiting = self._hold(waiting)
                due = self.clock() + QUIET_LOOK_S
                continue
            self._deliver(waiting)
            waiting, due = [], None

    def _anything_held(self) -> bool:
        return self.held is not None and self.held.path.exists()

    def _hold(self, events: list[Event]) -> list[Event]:
        """Put EVENTS on disk (or keep them in memory without a HeldFile); return what stays in memory."""
        if not events or self.held is None:
            return events
        try:
            self.held.add(events)
        except (OSError, DiskFull) as exc:  # a full disk: keep them here and try again later
            log.warning("notifications not held in %s: %s", self.held.path, exc)
            return events
        return []

    def _close(self, waiting: list[Event]) -> None:
        if not self.settings.quiet(self.clock()):
            self._deliver(waiting)
            return
        unheld = self._hold(waiting)
        if unheld:  # they cannot wait on disk: better to wake someone than to lose them
            self._deliver(unheld)
        if self.held is not None and (left := grouped(self.held.events())):
            log.info(
                "quiet hours: %d notification(s) left held in %s; the next fertui scheduler "
                "(fertui daemon start, fertui run) sends them after quiet hours",
                len(left),
                self.held.path,
            )

    def _deliver(self, waiting: list[Event]) -> None:
        """Send what waits here and what is held on disk; each message sent leaves the disk."""
        held = self.held.events() if self.held is not None else []
        for events in grouped(held + waiting):
            title, body = message(events)
            try:
                failures = self.sender.send(title, body)
            except Exception as exc:  # never let a notification take the scheduler down
                failures = [str(exc)]
            for failure in failures:
                log.warning("notification not sent (%s): %s", title, failure)
            if held:
                self._forget(events)

    def _forget(self, events: list[Event]) -> None:
        try:
            self.held.remove(events)
        except (OSError, DiskFull) as exc:  # at worst it is sent again by the next scheduler
            log.warning("sent notifications not taken off %s: %s", self.held.path, exc)


def settings_for(ws: Workspace) -> NotifySettings:
    """Workspace WS's [notify] settings, a bad key named with its fertui.toml."""
    return parse_settings(ws.settings.get("notify") or {}, source=str(ws.root / "fertui.toml"))


def notifier_for(ws: Workspace) -> Notifier:
    """The Notifier of workspace WS: its [notify] settings, quiet hours held in runs/."""
    return Notifier(settings_for(ws), held=ws.runs_dir / HELD_FILE)
