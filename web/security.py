"""Security headers on every response: no inline script, no sniffing, no framing, no leaks.

Each header is set only when the view did not set its own: `/embed` (web/widget.py) sends a
Content-Security-Policy whose frame-ancestors lets host sites frame it (any site by default,
FRAME_ANCESTORS narrows it), and keeps it. `cors_origin` is the one CORS rule of the read-only
API and the widget's files.
"""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def cors_origin(origin: str) -> str | None:
    """The Access-Control-Allow-Origin for a read-only response, or None to send none.

    CORS_ORIGINS is "*" (the default: any site, never with credentials) or a list of origins
    (a comma-separated string, e.g. from the environment, works too).
    """
    value = current_app.config.get("CORS_ORIGINS") or []
    if isinstance(value, str):
        value = value.split(",")
    allowed = {o.strip().rstrip("/") for o in value if o.strip()}
    if "*" in allowed:
        return "*"
    return origin if origin and origin in allowed else None


def add_headers(resp: Response) -> Response:
    framed = "frame-ancestors 'none'" not in resp.headers.get("Content-Security-Policy", CSP)
    for name, value in HEADERS.items():
        if name == "X-Frame-Options" and framed:
            continue  # a page that allows some frame-ancestors must not be denied by XFO
        resp.headers.setdefault(name, value)
    return resp


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
