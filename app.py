"""村案通: the Flask app factory and the core views (search, case pages, facets).

Every page has a JSON twin built from the same data dict; feature areas (recommendations,
embedding, trainer tools) register their own blueprints from `web/`.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from search.query import QueryError
from search.query import SearchQuery
from web import api_v1
from web import db
from web import embed
from web import errors
from web import health
from web import recommend
from web import security
from web import services
from web import trainer
from web.markdown import render_markdown
from web.pages import browse_data
from web.pages import get_case_or_404
from web.pages import public
from web.pages import search_data
from web.pages import similar_data

ROOT = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance config.py and CASESEARCH_* variables, or tests'."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=None,
        CASES_DIR=str(ROOT / "cases"),
        INDEX_DIR=os.path.join(app.instance_path, "index"),
        DATABASE_URL="sqlite:///" + os.path.join(app.instance_path, "casebase.sqlite"),
        EMBEDDING_MODEL="default",
        EMBEDDING_BACKEND="auto",  # torch-bf16 for documents where the CPU has bf16, else torch
        MODELS_DIR=os.path.join(app.instance_path, "models"),
        MAX_CONTENT_LENGTH=256 * 1024,
        LOG_QUERIES=True,
        JSON_AS_ASCII=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CASESEARCH")
    else:
        app.config.from_mapping(test_config)
    # A per-process random key is safe (no sessions need to survive a restart) but a
    # deployment with several workers sets CASESEARCH_SECRET_KEY so their forms agree.
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or secrets.token_hex(32)
    app.json.ensure_ascii = False
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    services.init_app(app)
    errors.init_app(app)
    register_views(app)
    health.init_app(app)
    security.init_app(app)
    recommend.init_app(app)
    trainer.init_app(app)
    api_v1.init_app(app)
    embed.init_app(app)
    return app


def register_views(app: Flask) -> None:
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/api/facets", view_func=api_facets)
    app.add_url_rule("/search", view_func=search_page)
    app.add_url_rule("/api/search", view_func=api_search)
    app.add_url_rule("/cases/<slug>", view_func=case_page)
    app.add_url_rule("/api/cases/<slug>", view_func=api_case)
    app.add_url_rule("/api/cases/<slug>/similar", view_func=api_similar)
    app.jinja_env.globals.update(toggle_url=toggle_url, page_url=page_url, nav_links=nav_links,
                                 case_actions=case_actions)
    app.jinja_env.filters["markdown"] = render_markdown


# ---- views --------------------------------------------------------------------------------

def home():
    return render_template("index.html", **browse_data())


def api_facets():
    return jsonify(browse_data())


def search_page():
    try:
        data = search_data()
    except QueryError as exc:
        q = request.args.get("q", "")[:200]
        return render_template("search.html", form_errors=exc.errors, query=q, total=0,
                               hits=[], facets={}, notices=[], _query=None), 400
    return render_template("search.html", form_errors={}, **data)


def api_search():
    return jsonify(public(search_data()))


def case_page(slug: str):
    case = get_case_or_404(slug)
    return render_template("case.html", case=case, similar=similar_data(slug))


def api_case(slug: str):
    case = get_case_or_404(slug)
    for section in case["sections"]:
        section["html"] = render_markdown(section["markdown"])
    return jsonify(dict(case, url=url_for("case_page", slug=slug)))


def api_similar(slug: str):
    get_case_or_404(slug)
    limit = request.args.get("limit", "5")
    if not limit.isdigit() or not 1 <= int(limit) <= 20:
        raise QueryError({"limit": "应为 1 到 20 之间的整数"})
    return jsonify({"id": slug, "similar": similar_data(slug, int(limit))})


# ---- link helpers for templates (links work without JavaScript) --------------------------

def toggle_url(query: SearchQuery, facet: str, value: str) -> str:
    """The search URL with `value` of `facet` switched on or off, back on page 1."""
    if facet == "income":
        from search.query import INCOME_BUCKETS

        bucket = next(b for b in INCOME_BUCKETS if b[0] == value)
        on = query.income_min == bucket[2] and query.income_max == bucket[3]
        args = query.args(income_min=None, income_max=None, income=None if on else value)
        return url_for("search_page", **args)
    current = list(query.filters.get(facet, ()))
    values = [v for v in current if v != value] if value in current else current + [value]
    return url_for("search_page", **query.args(**{facet: values}))


def page_url(query: SearchQuery, page: int) -> str:
    return url_for("search_page", **query.args(page=str(page) if page > 1 else None))


def nav_links() -> list[tuple[str, str]]:
    """(endpoint, label) pairs feature blueprints add to the header."""
    return current_app.extensions.get("casebase_nav", [])


def case_actions(slug: str) -> list[tuple[str, str]]:
    """(url, label) buttons feature blueprints add to a case page."""
    actions = current_app.extensions.get("casebase_case_actions", [])
    return [(url_for(endpoint, **{param: slug}), label) for endpoint, param, label in actions]
