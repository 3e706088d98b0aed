"""Notifications to someone away: Apprise's json:// to a real HTTP endpoint on loopback, grouping,
and an endpoint that fails without disturbing the scheduler."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from fertui.cli.main import app
from fertui.errors import ConfigError
from fertui.notify import HELD_FILE, Event, Notifier, parse_settings
from fertui.scheduler.core import Scheduler
from tests.scheduler.test_outcomes import NAN_JOB
from tests.waiting import wait_for

NIGHT = time.mktime((2026, 12, 3, 3, 0, 0, 0, 0, -1))
MORNING = time.mktime((2026, 12, 3, 8, 0, 0, 0, 0, -1))


@pytest.fixture
def endpoint():
    """A loopback HTTP server that keeps each POSTed JSON body."""
    posts: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            posts.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"json://127.0.0.1:{server.server_address[1]}", posts
    server.shutdown()


@pytest.fixture
def scheduler_log():
    """The lines logged to fertui.scheduler (runs/daemon.log in a real scheduler)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger, handler = logging.getLogger("fertui.scheduler"), Keep(logging.INFO)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def _drain(jobs) -> None:
    Scheduler(jobs.ws).serve(until=lambda s: not s.tracked and all(r["status"] != "queued" for r in s.runs.values()))


@pytest.mark.slow
def test_one_post_for_a_nan_run_one_for_a_finished_sweep_none_for_a_plain_run(jobs, endpoint):
    url, posts = endpoint
    jobs.settings(f'[scheduler]\ncpu_slots = 1\ncancel_grace_s = 2\n[notify]\nurls = ["{url}"]\ngroup_s = 0.5\n')
    jobs.add("import fertui.report as r; r.log({'train/loss': 0.5}, step=0)")  # ordinary: no message
    nan_run = jobs.add(NAN_JOB)
    swept = [jobs.add(f"import fertui.report as r; r.log({{'val/acc': {v}}}, step=1, epoch=1)") for v in (60, 70)]
    for run_id in swept:
        jobs.store.update_run(run_id, sweep="demo")
    _drain(jobs)  # serve() closes the notifier, which sends what is waiting
    titles = sorted(p["title"] for p in posts)
    assert titles == [f"fertui: nan (run {nan_run})", "fertui: sweep done (sweep demo)"], posts
    done = next(p for p in posts if "sweep" in p["title"])
    assert "2 runs (2 done)" in done["message"] and "best val/acc 70" in done["message"]
    assert "train/loss is not finite at step 10" in next(p for p in posts if "nan" in p["title"])["message"]


def test_a_failing_endpoint_is_logged_and_the_scheduler_goes_on(jobs):
    jobs.settings('[scheduler]\ncpu_slots = 1\n[notify]\nurls = ["json://127.0.0.1:9"]\ngroup_s = 0\n')
    failed = jobs.add("import sys; sys.exit(1)")
    after = jobs.add("pass")
    _drain(jobs)
    assert jobs.status(failed) == "failed" and jobs.status(after) == "done"
    log = (jobs.root / "runs" / "daemon.log").read_text()
    assert f"notification not sent (fertui: failed (run {failed})): json://…" in log


def test_a_burst_of_one_sweep_becomes_one_message_and_quiet_hours_hold_it():
    sent = []

    class Recorder:
        def send(self, title, body):
            sent.append((title, body))
            return []

    settings = parse_settings({"urls": ["json://x"], "group_s": 0.2})
    notifier = Notifier(settings, sender=Recorder())
    for i in range(36):
        notifier.post(Event("failed", f"r{i}: failed (exit 1)", f"{i:05d}", "S"))
    notifier.post(Event("nan", "loss is not finite", "00099"))
    wait_for(lambda: len(sent) == 2 or None, 10, "two messages")
    assert sorted(t for t, _ in sent) == ["fertui: 36× failed (sweep S)", "fertui: nan (run 00099)"]
    assert "… and 16 more (fertui ls --sweep S)" in next(b for t, b in sent if "36" in t)
    notifier.close()

    sent.clear()
    always_quiet = parse_settings({"urls": ["json://x"], "group_s": 0.1, "quiet_hours": "00:00-23:59"})
    night = Notifier(always_quiet, sender=Recorder(), clock=lambda: NIGHT)
    night.post(Event("nan", "loss is not finite", "00001"))
    time.sleep(0.5)
    assert sent == []  # held while the night lasts
    night.close()
    # With nowhere on disk to hold it, closing sends it: better to wake someone than to lose it.
    assert [t for t, _ in sent] == ["fertui: nan (run 00001)"]


def test_what_quiet_hours_hold_outlives_the_scheduler_and_is_sent_once_after_them(tmp_path, endpoint, scheduler_log):
    url, posts = endpoint
    settings = parse_settings({"urls": [url], "group_s": 0.1, "quiet_hours": "23:00-07:00"})
    held = tmp_path / "runs" / HELD_FILE
    night = Notifier(settings, clock=lambda: NIGHT, held=held)
    for i in range(3):
        night.post(Event("failed", "failed (exit 1)", f"{i:05d}", "S"))
    night.post(Event("sweep_done", "3 runs (3 failed)", sweep="S"))
    night.close()  # `fertui run` at 3 a.m.: the queue drained, the scheduler stops
    assert posts == []
    assert [e["kind"] for e in json.loads(held.read_text())] == ["failed"] * 3 + ["sweep_done"]
    assert f"quiet hours: 2 notification(s) left held in {held}" in "\n".join(scheduler_log)

    still_night = Notifier(settings, clock=lambda: NIGHT, held=held)  # the next run, still at night
    time.sleep(0.3)
    still_night.close()
    assert posts == [] and len(json.loads(held.read_text())) == 4

    morning = Notifier(settings, clock=lambda: MORNING, held=held)  # the next scheduler to start
    wait_for(lambda: len(posts) == 2 or None, 10, "the two held messages")
    morning.close()
    assert sorted(p["title"] for p in posts) == ["fertui: 3× failed (sweep S)", "fertui: sweep done (sweep S)"]
    assert "00002: failed (exit 1)" in next(p for p in posts if "failed" in p["title"])["message"]
    assert not held.exists()

    later = Notifier(settings, clock=lambda: MORNING, held=held)
    later.post(Event("nan", "loss is not finite", "00009"))
    later.close()
    assert [p["title"] for p in posts[2:]] == ["fertui: nan (run 00009)"]  # the held ones went once


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"on": ["nan", "exploded"]}, "notify.on"),
        ({"quiet_hours": "late"}, "notify.quiet_hours"),
        ({"urls": "ntfy://x"}, "notify.urls"),
        ({"colour": 1}, "notify.colour"),
    ],
)
def test_bad_notify_settings_name_the_key(table, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_settings(table)


def test_notify_test_sends_one_message_and_says_so(tmp_path, endpoint):
    url, posts = endpoint
    (tmp_path / "fertui.toml").write_text(f'[notify]\nurls = ["{url}"]\n')
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "notify", "test"])
    assert result.exit_code == 0, result.output
    assert "sent to 1 of 1 target(s)" in result.output and [p["title"] for p in posts] == ["fertui: test"]
    (tmp_path / "fertui.toml").write_text("")
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "notify", "test"])
    assert result.exit_code == 2 and "no urls or command" in result.output


def test_the_command_hook_gets_the_title_and_body_as_arguments(tmp_path):
    out = tmp_path / "hook.txt"
    hook = ["sh", "-c", f'printf "%s|%s" "$1" "$2" > {out}', "hook", "{title}", "{body}"]
    (tmp_path / "fertui.toml").write_text(f"[notify]\ncommand = {json.dumps(hook)}\n")
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "notify", "test"])
    assert result.exit_code == 0 and "sent to 1 of 1 target(s)" in result.output, result.output
    title, body = out.read_text().split("|", 1)
    assert title == "fertui: test" and str(tmp_path) in body
    # a hook that fails is reported, not raised
    (tmp_path / "fertui.toml").write_text('[notify]\ncommand = ["sh", "-c", "exit 3"]\n')
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path), "notify", "test"])
    assert result.exit_code == 1 and "not sent" in result.output and "sent to 0 of 1" in result.output
