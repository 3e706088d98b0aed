"""`fertui serve` driven by a real headless Chromium: the page loads, the Runs table arrives,
a key press reaches the console, each tab is its own console, closing it leaves the daemon and
its job running; any address without the start's token is refused."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import psutil
import pytest

from fertui.scheduler.daemon import daemon_status
from fertui.store import Store
from tests.tui.conftest import queue_job, stop_everything
from tests.waiting import wait_for

pytestmark = pytest.mark.slow

# Everything the page's websocket receives, decoded: what the terminal was told to draw.
RECORD_TERMINAL = """
window.__screen = '';
const Native = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const socket = new Native(url, protocols);
  const decoder = new TextDecoder();
  socket.addEventListener('message', e => {
    window.__screen += typeof e.data === 'string' ? e.data : decoder.decode(e.data, {stream: true});
  });
  return socket;
};
window.WebSocket.prototype = Native.prototype;
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(finished_sweep):
    """`fertui serve` on a free loopback port; yields (url, process); stopped at the end."""
    root = finished_sweep.root
    proc = subprocess.Popen(
        [sys.executable, "-m", "fertui.cli.main", "--workspace", str(root), "serve", "--port", str(free_port())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    seen = []

    def url():
        while not lines.empty():
            seen.append(lines.get())
        return next((line.strip() for line in seen if line.strip().startswith("http://")), None)

    try:
        yield wait_for(url, 30, f"the URL line (output so far: {seen})"), proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        stop_everything(root)


def consoles(server: subprocess.Popen) -> list[psutil.Process]:
    """The console processes textual-serve started for browser connections."""
    found = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            cmd = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "fertui.cli.main" in cmd and "serve" not in cmd:
            found.append(child)
    return found


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_console_in_a_browser_behind_a_token(served, finished_sweep, browser, tmp_path):
    url, server = served
    base = url.split("/", 3)
    origin, token = "/".join(base[:3]), base[3].strip("/")
    assert url.startswith("http://127.0.0.1:") and len(token) >= 24
    for refused in ("/", "/ws", "/static/js/textual.js", f"/{token[:-1]}x/", f"/x{token}/ws"):
        assert status_of(origin + refused) == 403, refused
    assert status_of(url) == 200

    job = queue_job(finished_sweep.ws, "long_job", ["sleep", "300"])
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.add_init_script(RECORD_TERMINAL)
    elsewhere = []  # the page may ask only this server: nothing leaves it (no CDN, no web font)
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith(url) or r.url.startswith(url.replace("http", "ws", 1)) else elsewhere.append(r.url)
        ),
    )
    page.goto(url)

    def screen():
        return page.evaluate("window.__screen")

    wait_for(lambda: "CLSFERBaseline_depth2_SearchLR" in screen(), 60, "the Runs table in the browser")
    store = Store(finished_sweep.ws.store_path)
    wait_for(lambda: store.get_run(job)["status"] == "running", 60, "the console's daemon to start the job")
    page.screenshot(path=str(tmp_path / "runs.png"))

    before = len(screen())
    page.click("#terminal")
    page.keyboard.press("4")
    wait_for(lambda: "best val/acc" in screen()[before:], 30, "the Board screen after pressing 4")
    page.screenshot(path=str(tmp_path / "board.png"))
    assert elsewhere == []

    second = browser.new_page()
    second.goto(url)
    wait_for(lambda: len(consoles(server)) == 2, 60, "a second console for a second tab")
    second.close()
    page.close()
    wait_for(lambda: not consoles(server), 30, "the consoles to end with their tabs")
    daemon = daemon_status(finished_sweep.ws)
    assert daemon and psutil.pid_exists(daemon["pid"])
    run = store.get_run(job)
    assert run["status"] == "running"
    os.kill(run["pid"], 0)  # the job outlived both tabs


def test_a_host_beyond_loopback_needs_the_flag(finished_sweep):
    from typer.testing import CliRunner

    from fertui.cli.main import app

    result = CliRunner().invoke(app, ["--workspace", str(finished_sweep.root), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--allow-remote" in result.output and "Traceback" not in result.output
