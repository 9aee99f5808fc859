"""The versioned JSON API other sites build on: /api/v1/ (read-only, any origin by default).

The views reuse the data builders of the web UI (web/pages/), so /api/v1 and the pages never
disagree. Around them: CORS (any origin unless CORS_ORIGINS narrows it), ETag/304 and
Cache-Control on GETs, a per-client rate limit (429 with the common JSON error body), and a cap
on argument sizes so a hostile request is a 400, never a 500. The unversioned /api/* of
earlier releases redirects here (web/api_legacy.py); /api/v1/health lives with /healthz
(web/health.py).
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from casefile.markdown import render_markdown
from casefile.slug import SLUG_RULE
from casefile.slug import is_slug
from handouts.pack import PackError
from handouts.pack import decode
from recommend.profile import parse_profile
from search.query import QueryError
from web.errors import error_response
from web.openapi import openapi_document
from web.pages import public
from web.pages.case import get_case_or_404
from web.pages.case import similar_data
from web.pages.pack import compare_data
from web.pages.pack import pack_data
from web.pages.recommend import parse_limit
from web.pages.recommend import profile_args
from web.pages.recommend import results_data
from web.pages.search import browse_data
from web.pages.search import search_data
from web.security import cors_origin

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

MAX_QUERY_STRING = 4096  # bytes; the longest honest search (500 characters) fits easily
MAX_ARGS = 60
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = "Content-Type, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
DEFAULT_CACHE = "public, max-age=60"


# ---- views --------------------------------------------------------------------------------

@bp.get("/search")
def search():
    data = public(search_data())
    took = data.pop("took_ms")  # varies per call; kept out of the body so the ETag is stable
    data["hits"] = [dict(h, url=absolute(h["url"])) for h in data["hits"]]
    resp = jsonify(data)
    resp.headers["Server-Timing"] = f"search;dur={took}"
    return resp


@bp.get("/cases/<slug>")
def case(slug: str):
    data = get_case_or_404(checked_slug(slug))
    for section in data["sections"]:
        section["html"] = render_markdown(section["markdown"])
    return jsonify(dict(data, url=absolute(url_for("core.case_page", slug=slug))))


@bp.get("/cases/<slug>/similar")
def similar(slug: str):
    get_case_or_404(checked_slug(slug))
    limit = request.args.get("limit", "5")
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= 20:
        raise QueryError({"limit": "应为 1 到 20 之间的整数"})
    found = [dict(s, url=absolute(s["url"])) for s in similar_data(slug, int(limit))]
    return jsonify({"id": slug, "similar": found})


@bp.get("/facets")
def facets():
    return jsonify(browse_data())


@bp.get("/recommend")
def recommend_get():
    """Villages like mine: the profile as query arguments (lists as repeated arguments)."""
    return recommend_response(profile_args(request.args))


@bp.post("/recommend")
def recommend_post():
    """The profile as a JSON object; nothing is stored (POST only because a profile is long)."""
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError) as exc:  # deep nesting is a RecursionError, not a 500
        raise QueryError({"profile": "请求体不是有效的 JSON"}) from exc
    if not isinstance(body, dict):
        raise QueryError({"profile": "请求体应为 JSON 对象，键为村情字段"})
    return recommend_response(body)


def recommend_response(profile_mapping) -> Response:
    """The results page's data, with absolute links."""
    limit = parse_limit(request.args)
    data = public(results_data(parse_profile(profile_mapping), limit))
    data["hits"] = [dict(h, url=absolute(h["url"])) for h in data["hits"]]
    for key in ("share_url", "edit_url", "json_url"):
        data[key] = absolute(data[key])
    return jsonify(data)


@bp.get("/pack")
def pack():
    """A course pack from its URL token (`p`): its cases in order and the links that act on it."""
    return jsonify(pack_data(decode(request.args.get("p"))))


@bp.get("/compare")
def compare():
    """Two to four cases side by side: `ids` (comma-separated or repeated) or a pack's `p`."""
    return jsonify(compare_data())


@bp.get("/openapi.json")
def openapi():
    resp = jsonify(openapi_document())
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.errorhandler(PackError)
def pack_error(exc: PackError):
    return error_response(exc.status, exc.message, exc.errors)


# ---- helpers --------------------------------------------------------------------------------

def checked_slug(slug: str) -> str:
    if not is_slug(slug):
        raise QueryError({"id": SLUG_RULE})
    return slug


def absolute(path: str) -> str:
    """Links in v1 are absolute: the caller is another site."""
    return request.host_url.rstrip("/") + path


# ---- request and response hooks -----------------------------------------------------------

@bp.before_request
def limit_argument_size():
    """Reject oversized or absurd argument lists before any view parses them."""
    if len(request.query_string) > MAX_QUERY_STRING:
        raise QueryError({"query": f"请求参数过长（最多 {MAX_QUERY_STRING} 字节）"})
    if len(list(request.args.items(multi=True))) > MAX_ARGS:
        raise QueryError({"query": f"请求参数过多（最多 {MAX_ARGS} 个）"})


@bp.after_request
def http_headers(resp: Response) -> Response:
    add_cors(resp)
    if request.method in ("GET", "HEAD") and resp.status_code == 200:
        resp.headers.setdefault("Cache-Control", DEFAULT_CACHE)
        resp.add_etag()
        resp.make_conditional(request)
    elif request.method != "OPTIONS":
        resp.headers["Cache-Control"] = "no-store"
    return resp


def add_cors(resp: Response) -> None:
    """Allow cross-origin reads (any site unless CORS_ORIGINS narrows); never credentials."""
    allowed = cors_origin(request.headers.get("Origin", ""))
    if allowed != "*":
        resp.vary.add("Origin")
    if allowed is None:
        return
    resp.headers["Access-Control-Allow-Origin"] = allowed
    resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        resp.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        resp.headers["Access-Control-Max-Age"] = "600"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # One limiter per app (its memory storage is per process): one budget per client address
    # across the whole blueprint. A breach raises 429, which web/errors.py answers in JSON.
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                      headers_enabled=True, key_prefix="api_v1")
    limiter.shared_limit(lambda: current_app.config["RATELIMIT_API"], scope="api_v1",
                         exempt_when=lambda: request.method == "OPTIONS")(bp)
    app.extensions["casebase_api_limiter"] = limiter
