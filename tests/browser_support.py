"""Real-browser test helpers: Debian's Chromium through Playwright, and loopback servers.

Nothing here downloads a browser: Playwright drives the system Chromium at CHROMIUM. When it is
missing the helpers raise (the test fails with a clear message) instead of skipping, because CI
installs the Debian package and a silent skip would hide a broken setup.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CASEBASE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class ChromiumMissing(RuntimeError):
    """The system Chromium is not installed."""


@contextlib.contextmanager
def launch_chromium(**launch_options) -> Iterator:
    """Yield a Playwright `Browser` running the system Chromium; closed on exit.

    :raise ChromiumMissing: when CHROMIUM does not exist (install the Debian package chromium).
    """
    if not os.access(CHROMIUM, os.X_OK):
        raise ChromiumMissing(
            f"{CHROMIUM} not found: install the Debian package 'chromium' (and "
            "'fonts-wqy-microhei' for Chinese text); `make test` does it via SYSTEM_PACKAGES")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                     **launch_options)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def _serving(server) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *_args, **_kwargs):  # one line per request drowns test output
        pass


@contextlib.contextmanager
def live_server(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve a Flask `app` with a real threaded WSGI server on a free port; yield its base URL."""
    server = make_server(host, 0, app, threaded=True, request_handler=QuietHandler)
    with _serving(server):
        yield f"http://{host}:{server.server_port}"


@contextlib.contextmanager
def page_server(pages: dict[str, str], host: str = "127.0.0.2") -> Iterator[str]:
    """Serve fixed HTML `pages` ({path: html}) from another loopback origin; yield its base URL.

    127.0.0.2 is loopback too, but a different origin from the app's 127.0.0.1, which is what
    a party-building site embedding the widget looks like to the browser.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    with _serving(server):
        yield f"http://{host}:{server.server_address[1]}"
