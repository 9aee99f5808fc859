"""Security headers on every response: no inline script, no sniffing, no framing, no leaks.

Each header is set only when the view did not set its own: `/embed` (web/widget.py) sends a
Content-Security-Policy whose frame-ancestors lets host sites frame it, and keeps it.
"""

from __future__ import annotations

from flask import Flask
from flask import Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def add_headers(resp: Response) -> Response:
    framed = "frame-ancestors 'none'" not in resp.headers.get("Content-Security-Policy", CSP)
    for name, value in HEADERS.items():
        if name == "X-Frame-Options" and framed:
            continue  # a page that allows some frame-ancestors must not be denied by XFO
        resp.headers.setdefault(name, value)
    return resp


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
