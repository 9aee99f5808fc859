"""Delivery of every response: compression, the favicon, long cache lifetimes for versioned
static files.

Flask-Compress compresses HTML, JSON, CSS, JavaScript and SVG for clients that accept it, so
`casebase serve` (waitress) and gunicorn both send compressed pages. Static URLs carry a `v`
argument derived from the file's content, so a changed file has a new URL and a browser may
keep any given version for a year.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask
from flask import Response
from flask import redirect
from flask import request
from flask import url_for
from flask_compress import Compress

YEAR = 365 * 24 * 3600
MIMETYPES = ["text/html", "text/css", "text/xml", "text/plain", "text/javascript",
             "application/json", "application/javascript", "image/svg+xml"]


@lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def static_version(app: Flask, filename: str) -> str | None:
    path = Path(app.static_folder or "", filename)
    try:
        return _version(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", MIMETYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    Compress(app)

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def files(resp: Response) -> Response:
        if resp.status_code != 200:
            return resp
        if resp.direct_passthrough and resp.mimetype in MIMETYPES:
            # Read the (small) file here and close it: the compressor would read it too but
            # leave the file handle open.
            original = resp.response
            resp.direct_passthrough = False
            resp.set_data(resp.get_data())
            if hasattr(original, "close"):
                original.close()
        if request.endpoint == "static" and request.args.get("v"):
            resp.cache_control.public = True
            resp.cache_control.max_age = YEAR
            resp.cache_control.immutable = True
        return resp

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico whatever the page says; the icon is an SVG.
        return redirect(url_for("static", filename="favicon.svg"), code=301)
