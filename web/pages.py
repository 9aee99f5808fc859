"""Data builders shared by each page and its JSON twins (/api/* and /api/v1/*).

Views stay thin: they call one of these and render the dict or `jsonify` it, so a page and
its JSON twin can never disagree.
"""

from __future__ import annotations

from flask import abort
from flask import request
from flask import url_for
from werkzeug.datastructures import MultiDict

from casefile.case_view import case_view
from handouts.charts import chart_dict
from handouts.charts import count_chart
from handouts.charts import income_chart
from recommend.engine import MAX_LIMIT
from recommend.engine import recommend
from recommend.profile import VillageProfile
from search.engine import MODES
from search.engine import run_search
from search.facets import facet_counts
from search.query import INCOME_BUCKETS
from search.query import QueryError
from search.query import SearchQuery
from search.query import parse_query
from search.similar import similar_cases
from web.db import get_session
from web.querylog import log_search
from web.services import get_service


def browse_data() -> dict:
    gen = get_service().generation()
    cases = list(gen.catalog.values())
    facets = facet_counts(cases, SearchQuery())
    return {"total": len(cases), "facets": facets, "overview": overview(facets, len(cases)),
            "generation": gen.name}


def overview(facets: dict, total: int, top: int = 8) -> dict:
    """Home-page charts from the facet counts: cases by business model and by income band."""
    models = [(v["label"], v["count"]) for v in facets["models"]["values"][:top]]
    found = {v["value"]: v["count"] for v in facets["income"]["values"]}
    bands = [(label, found.get(key, 0)) for key, label, _, _ in INCOME_BUCKETS]
    unstated = total - sum(n for _, n in bands)
    if unstated:
        bands.append(("未注明", unstated))
    return {"models": chart_dict(count_chart("overview-models", "各经营模式的案例数", models)),
            "income": chart_dict(count_chart("overview-income", "按集体经济收入（最新）分的案例数",
                                             bands))}


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
        "related_total": result.related_total,
        "suggestions": result.suggestions,
        "page": query.page,
        "per_page": query.per_page,
        "pages": result.pages,
        "hits": [dict(h, url=url_for("core.case_page", slug=h["id"])) for h in result.hits],
        "facets": result.facets,
        "notices": result.notices,
        "generation": result.generation,
        "took_ms": round(result.millis, 1),
        "_query": query,
    }


def current_catalog() -> dict:
    """The serving generation's cases by id: the one read model of pages, packs and the API."""
    return get_service().generation().catalog


def get_case_or_404(slug: str) -> dict:
    case = get_service().generation().case(slug)
    if case is None:
        abort(404)
    data = case_view(case)
    return dict(data, income_chart=chart_dict(income_chart([data], key=f"income-{slug}")))


def similar_data(slug: str, limit: int = 5) -> list[dict]:
    service = get_service()
    gen = service.generation()
    if slug not in gen.catalog:
        return []
    found = similar_cases(gen, slug, limit, use_vectors=service.vectors_usable)
    return [{"id": s.slug, "title": s.title, "score": s.score, "reasons": s.reasons,
             "url": url_for("core.case_page", slug=s.slug)} for s in found]


DEFAULT_LIMIT = 10
CONTROL_ARGS = ("limit",)  # request arguments that are not part of the profile


def parse_limit(args) -> int:
    raw = args.get("limit", str(DEFAULT_LIMIT))
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or not (
            1 <= int(raw) <= MAX_LIMIT):
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
        "hits": [dict(r.to_dict(), url=url_for("core.case_page", slug=r.slug)) for r in found],
        "_profile": profile,
    }


def public(data: dict) -> dict:
    """Drop the private keys templates use (they start with an underscore)."""
    return {k: v for k, v in data.items() if not k.startswith("_")}
