"""The unversioned /api/* of earlier releases: each answers 308 to its /api/v1 twin.

Kept for one release so that scripts written against /api/* keep working (308 keeps the method
and the body, so a POST stays a POST); nothing in the site itself links here any more.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import redirect
from flask import request

bp = Blueprint("api_legacy", __name__)

# The routes of the last release; each maps onto the same path under /api/v1.
LEGACY_RULES = ("/api/search", "/api/facets", "/api/cases/<slug>", "/api/cases/<slug>/similar",
                "/api/recommend", "/api/pack", "/api/compare", "/api/health")
READ = ["GET", "HEAD", "OPTIONS"]


def to_v1(**_params):
    target = "/api/v1" + request.path[len("/api"):]
    query = request.query_string.decode("utf-8", "replace")
    return redirect(target + (f"?{query}" if query else ""), code=308)


for rule in LEGACY_RULES:
    methods = [*READ, "POST"] if rule == "/api/recommend" else READ
    bp.add_url_rule(rule, rule.replace("/", "_"), to_v1, methods=methods)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
