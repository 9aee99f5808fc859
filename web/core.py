"""The core pages: home, search and case pages; each answers JSON when the client asks for it.

Views are thin: parse, call a builder from `web.pages`, then render or `jsonify` the same dict
(content negotiation, as the editor area does: `Accept: application/json`). /api/v1 is the API.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from sqlalchemy.exc import SQLAlchemyError

from casefile.markdown import render_markdown
from editorial.publish import renamed_to
from handouts.render import configure as configure_templates
from search.query import INCOME_BUCKETS
from search.query import QueryError
from search.query import SearchQuery
from web.db import get_session
from web.errors import wants_json
from web.pages import public
from web.pages.case import get_case_or_404
from web.pages.case import similar_data
from web.pages.search import browse_data
from web.pages.search import search_data
from web.services import get_service

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    data = browse_data()
    if wants_json():
        return jsonify(data)
    return render_template("index.html", **data)


@bp.get("/search")
def search_page():
    try:
        data = search_data()
    except QueryError as exc:
        if wants_json():
            raise
        q = request.args.get("q", "")[:200]
        return render_template("search.html", form_errors=exc.errors, query=q, total=0,
                               hits=[], facets={}, notices=[], _query=None), 400
    if wants_json():
        return jsonify(public(data))
    return render_template("search.html", form_errors={}, **data)


def moved_case(slug: str) -> str | None:
    try:
        return renamed_to(get_session(), slug)
    except SQLAlchemyError:  # no database: an unknown id is simply not found
        return None


@bp.get("/cases/<slug>")
def case_page(slug: str):
    if get_service().generation().case(slug) is None:  # a renamed case: its old URL moves on
        moved = moved_case(slug)
        if moved:
            return redirect(url_for("core.case_page", slug=moved), 301)
    case = get_case_or_404(slug)
    if wants_json():
        for section in case["sections"]:
            section["html"] = render_markdown(section["markdown"])
        return jsonify(dict(case, url=url_for("core.case_page", slug=slug),
                            similar=similar_data(slug)))
    return render_template("case.html", case=case, similar=similar_data(slug))


# ---- link helpers for templates (links work without JavaScript) --------------------------

def toggle_url(query: SearchQuery, facet: str, value: str) -> str:
    """The search URL with `value` of `facet` switched on or off, back on page 1."""
    if facet == "income":
        bucket = next(b for b in INCOME_BUCKETS if b[0] == value)
        on = query.income_min == bucket[2] and query.income_max == bucket[3]
        args = query.args(income_min=None, income_max=None, income=None if on else value)
        return url_for("core.search_page", **args)
    current = list(query.filters.get(facet, ()))
    values = [v for v in current if v != value] if value in current else current + [value]
    return url_for("core.search_page", **query.args(**{facet: values}))


def page_url(query: SearchQuery, page: int) -> str:
    return url_for("core.search_page", **query.args(page=str(page) if page > 1 else None))


def nav_links() -> list[tuple[str, str]]:
    """(url, label) of the header: all cases, then what feature blueprints add."""
    added = current_app.extensions.get("casebase_nav", [])
    return [(url_for("core.search_page"), "全部案例")] + [
        (url_for(endpoint), label) for endpoint, label in added]


def case_actions(slug: str) -> list[tuple[str, str]]:
    """(url, label) buttons feature blueprints add to a case page."""
    actions = current_app.extensions.get("casebase_case_actions", [])
    return [(url_for(endpoint, **{param: slug}), label) for endpoint, param, label in actions]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(toggle_url=toggle_url, page_url=page_url, nav_links=nav_links,
                                 case_actions=case_actions)
    configure_templates(app.jinja_env)
