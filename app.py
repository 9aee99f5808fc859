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
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from flask import url_for

from search.cases import case_dict
from search.cases import get_case
from search.engine import MODES
from search.engine import run_search
from search.facets import facet_counts
from search.query import QueryError
from search.query import SearchQuery
from search.query import parse_query
from search.similar import similar_cases
from web import db
from web import errors
from web import services
from web.db import get_session
from web.markdown import render_markdown
from web.querylog import log_search
from web.services import get_service

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


# ---- data builders shared by each page and its JSON twin ----------------------------------

def browse_data() -> dict:
    gen = get_service().generation()
    cases = list(gen.catalog.values())
    return {"total": len(cases), "facets": facet_counts(cases, SearchQuery()),
            "generation": gen.name}


def search_data() -> dict:
    query = parse_query(request.args)
    mode = request.args.get("mode", "hybrid")
    if mode not in MODES:
        raise QueryError({"mode": f"可选值：{'、'.join(MODES)}"})
    result = run_search(get_service(), query, mode)
    log_search(query, result.total)
    return {
        "query": query.text,
        "description": query.describe(),
        "words": result.words,
        "filters": {k: list(v) for k, v in query.filters.items()},
        "income_min": query.income_min,
        "income_max": query.income_max,
        "mode": mode,
        "total": result.total,
        "page": query.page,
        "per_page": query.per_page,
        "pages": result.pages,
        "hits": [dict(h, url=url_for("case_page", slug=h["id"])) for h in result.hits],
        "facets": result.facets,
        "notices": result.notices,
        "generation": result.generation,
        "took_ms": round(result.millis, 1),
        "_query": query,
    }


def get_case_or_404(slug: str) -> dict:
    rec = get_case(get_session(), slug)
    if rec is None:
        abort(404)
    return case_dict(rec)


def similar_data(slug: str, limit: int = 5) -> list[dict]:
    service = get_service()
    gen = service.generation()
    if slug not in gen.catalog:
        return []
    found = similar_cases(gen, slug, limit, use_vectors=service.vectors_usable)
    return [{"id": s.slug, "title": s.title, "score": s.score, "reasons": s.reasons,
             "url": url_for("case_page", slug=s.slug)} for s in found]


def public(data: dict) -> dict:
    """Drop the private keys templates use (they start with an underscore)."""
    return {k: v for k, v in data.items() if not k.startswith("_")}


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
