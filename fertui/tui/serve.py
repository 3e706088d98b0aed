"""``fertui serve``: the console in a browser, through textual-serve.

textual-serve starts one console process per browser connection (each tab its own console;
closing a tab ends that console only, never the daemon or its jobs). This module adds what a
shared GPU server needs: every URL lives under a random per-start token, so another user of the
machine who finds the port cannot open the console, and the page asks nothing of the internet.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import shlex
import sys
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from fertui.errors import UserError
from fertui.workspace import Workspace

TEMPLATE = "app_index.html"
# The page's only outside request is a web font; the same font ships in textual-serve's static folder.
WEB_FONT_LINK = re.compile(r'<link[^>]*href="https://fonts\.googleapis\.com[^"]*"[^>]*>', re.S)
LOCAL_FONT = (
    '<style>@font-face { font-family: "Roboto Mono"; '
    'src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }</style>'
)
REFUSED = "fertui serve: this address needs the token printed when the server started\n"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def check_host(host: str, allow_remote: bool) -> None:
    if not is_loopback(host) and not allow_remote:
        raise UserError(
            f"--host {host} is not a loopback address, so others on the network could reach the "
            "console; add --allow-remote to serve on it anyway, or use an SSH tunnel "
            "(ssh -L 8000:localhost:8000 HOST) with the default --host 127.0.0.1"
        )


def console_command(ws: Workspace) -> str:
    """The shell command textual-serve runs for each browser connection."""
    return shlex.join([sys.executable, "-m", "fertui.cli.main", "--workspace", str(ws.root)])


def _local_font_template(package_templates: Path) -> str:
    text = (package_templates / TEMPLATE).read_text(encoding="utf-8")
    return WEB_FONT_LINK.sub(lambda _: LOCAL_FONT, text, count=1)


class ConsoleServer(Server):
    """textual-serve's Server with its routes under /TOKEN/ and every other path refused."""

    def __init__(self, ws: Workspace, host: str, port: int, token: str | None = None):
        super().__init__(console_command(ws), host=host, port=port, title=f"fertui · {ws.root.name}")
        self.token = token or secrets.token_urlsafe(24)
        self.prefix = f"/{self.token}"

    @property
    def url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):  # every interface: the machine's name is what others type
            import socket

            host = socket.gethostname()
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{self.prefix}/"

    @web.middleware
    async def _require_token(self, request: web.Request, handler):
        first = request.path.split("/", 2)[1] if request.path.startswith("/") else ""
        if not hmac.compare_digest(first.encode(), self.token.encode()):
            return web.Response(status=403, text=REFUSED)
        if request.path == self.prefix:
            raise web.HTTPFound(self.prefix + "/")
        return await handler(request)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._require_token])
        template = _local_font_template(self.templates_path)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({TEMPLATE: template}))
        app.add_routes(
            [
                web.get(self.prefix, self.handle_index),  # answered by the middleware's redirect
                web.get(f"{self.prefix}/", self.handle_index, name="index"),
                web.get(f"{self.prefix}/ws", self.handle_websocket, name="websocket"),
                web.get(f"{self.prefix}/download/{{key}}", self.handle_download, name="download"),
                web.static(f"{self.prefix}/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @aiohttp_jinja2.template(TEMPLATE)
    async def handle_index(self, request: web.Request) -> dict:
        # URLs from the address the browser used: through `ssh -L 9000:localhost:8000` that is
        # localhost:9000, not the address the server bound.
        origin = f"{request.scheme}://{request.host}"
        ws_scheme = "wss" if request.scheme == "https" else "ws"
        router = request.app.router
        font_size = request.query.get("fontsize", "16")
        return {
            "font_size": int(font_size) if font_size.isdigit() else 16,
            "app_websocket_url": f"{ws_scheme}://{request.host}{router['websocket'].url_for()}",
            "config": {"static": {"url": f"{origin}{router['static'].url_for(filename='/')}".rstrip("/") + "/"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: the URL is printed once the port is bound (announce)."""

    def announce(self, _message: str = "") -> None:
        print(
            f"fertui serve: the console is at\n\n    {self.url}\n\n"
            "Each browser tab is its own console; closing one leaves jobs and the daemon running. "
            "Ctrl+C stops the server.",
            flush=True,
        )

    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        # aiohttp calls `print` once the socket is bound: the URL is never shown for a port we lack
        web.run_app(
            self._make_app(), host=self.host, port=self.port, handle_signals=True, print=self.announce, access_log=None
        )  # one line per request would bury the URL (and repeat the token)


def serve(ws: Workspace, host: str, port: int) -> None:
    server = ConsoleServer(ws, host, port)
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UserError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port or --host"
        ) from None
