"""Villages like mine: the profile form, the results page and their JSON twins.

GET /recommend                the form (prefilled from ?from=<case> or from a profile's args)
GET /recommend/results?...    results; the URL is the shareable profile (lists repeated)
GET /api/recommend?...        the same results as JSON
POST /api/recommend           a profile as a JSON object
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Flask
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import MultiDict

from search.profile import LABELS
from search.profile import LIST_KEYS
from search.profile import PROFILE_KEYS
from search.profile import VillageProfile
from search.profile import choices
from search.profile import parse_profile
from search.query import QueryError
from search.recommend import MAX_LIMIT
from search.recommend import recommend
from web.db import get_session
from web.services import get_service

bp = Blueprint("recommend", __name__)
DEFAULT_LIMIT = 10
CONTROL_ARGS = ("limit",)  # request arguments that are not part of the profile


def parse_limit(args) -> int:
    raw = args.get("limit", str(DEFAULT_LIMIT))
    if not isinstance(raw, str) or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise QueryError({"limit": f"应为 1 到 {MAX_LIMIT} 之间的整数"})
    return int(raw)


def profile_args(args) -> MultiDict:
    """The profile part of the query string; empty form fields are left out."""
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k not in CONTROL_ARGS and v.strip()])


def results_data(profile: VillageProfile, limit: int) -> dict:
    """One dict for the results page and for the JSON twin."""
    found = recommend(get_session(), get_service(), profile, limit)
    args = profile.args()
    return {
        "profile": profile.to_dict(),
        "description": profile.describe(),
        "share_url": url_for("recommend.results", **args),
        "edit_url": url_for("recommend.form", **args),
        "json_url": url_for("recommend.api_get", **args),
        "hits": [dict(r.to_dict(), url=url_for("case_page", slug=r.slug)) for r in found],
        "_profile": profile,
    }


def public(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def form_values(args) -> dict:
    """What the form shows: list fields as lists, the rest as text."""
    return {k: (args.getlist(k) if k in LIST_KEYS else args.get(k, "")) for k in PROFILE_KEYS}


def values_from_case(slug: str) -> tuple[dict, str | None]:
    """Prefill with a case's own conditions, so a village can change them into its own."""
    case = get_service().generation().case(slug)
    if case is None:
        return form_values(MultiDict()), None
    values = form_values(MultiDict())
    for level in ("province", "city", "county", "township"):
        values[level] = getattr(case.region, level) or ""
    values.update(terrain=case.terrain or "", resources=list(case.resources),
                  industries=list(case.industries))
    return values, case.title


def render_form(values: dict, errors: dict, status: int = 200, source: str | None = None):
    return render_template("recommend.html", values=values, errors=errors,
                           labels=dict(LABELS, limit="条数", profile="村情"),
                           choices=choices(), source=source), status


@bp.get("/recommend")
def form():
    source_slug = request.args.get("from", "")
    if source_slug:
        values, title = values_from_case(source_slug[:80])
        return render_form(values, {}, source=title)
    return render_form(form_values(request.args), {})


@bp.get("/recommend/results")
def results():
    args = profile_args(request.args)
    try:
        limit = parse_limit(request.args)
        profile = parse_profile(args)
    except QueryError as exc:
        return render_form(form_values(args), exc.errors, 400)
    return render_template("recommend_results.html", **results_data(profile, limit))


@bp.get("/api/recommend")
def api_get():
    limit = parse_limit(request.args)
    return jsonify(public(results_data(parse_profile(profile_args(request.args)), limit)))


@bp.post("/api/recommend")
def api_post():
    limit = parse_limit(request.args)
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError) as exc:  # deep nesting: RecursionError, not a 500
        raise QueryError({"profile": "请求体不是有效的 JSON"}) from exc
    if not isinstance(body, dict):
        raise QueryError({"profile": "请求体应为 JSON 对象，键为村情字段"})
    return jsonify(public(results_data(parse_profile(body), limit)))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("casebase_nav", []).append(("recommend.form", "村情推荐"))
    app.extensions.setdefault("casebase_case_actions", []).append(
        ("recommend.form", "from", "和我村比较"))
