"""Villages like mine: the profile form, the results page and their JSON twins.

GET /recommend                the form (prefilled from ?from=<case> or from a profile's args)
GET /recommend/results?...    results; the URL is the shareable profile (lists repeated)
GET /recommend/vs/<id>?...    和我村比较: the profile beside one case (what matches, differs, lacks)
The results page answers JSON when asked (`Accept: application/json`); /api/v1/recommend is the
API (GET with the profile as arguments, POST with a JSON object).
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.datastructures import MultiDict

from recommend.profile import LABELS
from recommend.profile import LIST_KEYS
from recommend.profile import PROFILE_KEYS
from recommend.profile import choices
from recommend.profile import parse_profile
from search.query import QueryError
from web.errors import wants_json
from web.pages import public
from web.pages.recommend import parse_limit
from web.pages.recommend import profile_args
from web.pages.recommend import results_data
from web.pages.recommend import versus_data
from web.services import get_service

bp = Blueprint("recommend", __name__)


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


def render_form(values: dict, errors: dict, status: int = 200, source: str | None = None,
                compare=None):
    return render_template("recommend.html", values=values, errors=errors,
                           labels=dict(LABELS, limit="条数", profile="村情"),
                           choices=choices(), source=source, compare=compare), status


@bp.get("/recommend")
def form():
    source_slug = request.args.get("from", "")
    if source_slug:
        values, title = values_from_case(source_slug[:80])
        return render_form(values, {}, source=title)
    compare = get_service().generation().case(request.args.get("compare", "")[:80])
    return render_form(form_values(request.args), {}, compare=compare)


@bp.get("/recommend/vs/<slug>")
def versus(slug: str):
    """和我村比较: the visitor's village (its profile in the URL) beside one case."""
    args = profile_args(request.args)
    if not args:  # no profile yet: ask for one, then come back here
        return redirect(url_for(".form", compare=slug))
    try:
        profile = parse_profile(args)
    except QueryError as exc:
        if wants_json():
            raise
        return render_form(form_values(args), exc.errors, 400)
    data = versus_data(profile, slug)
    if data is None:
        abort(404)
    if wants_json():
        return jsonify(data)
    return render_template("recommend_vs.html", **data)


@bp.get("/recommend/results")
def results():
    args = profile_args(request.args)
    compare = request.args.get("compare", "")
    if compare and args:  # the form was opened from a case's 和我村比较
        return redirect(url_for(".versus", slug=compare[:80], **args.to_dict(flat=False)))
    try:
        limit = parse_limit(request.args)
        profile = parse_profile(args)
    except QueryError as exc:
        if wants_json():
            raise
        return render_form(form_values(args), exc.errors, 400)
    data = results_data(profile, limit)
    if wants_json():
        return jsonify(public(data))
    return render_template("recommend_results.html", **data)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions.setdefault("casebase_nav", []).append(("recommend.form", "村情推荐"))
    app.extensions.setdefault("casebase_case_actions", []).append(
        ("recommend.form", "compare", "和我村比较"))
