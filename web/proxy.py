"""Behind a reverse proxy: trust X-Forwarded-For/-Proto/-Host from exactly the configured
number of proxies (TRUSTED_PROXIES), so `request.remote_addr` is the client's own address.

With 0 (the default, no proxy) nothing is trusted: a client cannot forge its address by
sending the headers itself. Set it to the number of proxies in front of gunicorn (nginx: 1).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise ValueError("TRUSTED_PROXIES 应为 0 或正整数")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
