"""Builders for the home page (browse) and the search results."""

from __future__ import annotations

from flask import request
from flask import url_for

from handouts.charts import chart_dict
from handouts.charts import count_chart
from search.engine import MODES
from search.engine import run_search
from search.facets import facet_counts
from search.query import INCOME_BUCKETS
from search.query import QueryError
from search.query import SearchQuery
from search.query import parse_query
from web.querylog import log_search
from web.services import get_service


def browse_data() -> dict:
    gen = get_service().generation()
    cases = list(gen.catalog.values())
    facets = facet_counts(cases, SearchQuery())
    # The charts count village cases only: an overview's or a practice's figures are not one
    # village's (a city-wide average would sit in the top income band).
    villages = [c for c in cases if c.kind == "case"]
    return {"total": len(cases), "facets": facets,
            "overview": overview(facet_counts(villages, SearchQuery()), len(villages)),
            "generation": gen.name}


def overview(facets: dict, total: int, top: int = 8) -> dict:
    """Home-page charts of the village cases: by business model and by income band."""
    models = [(v["label"], v["count"]) for v in facets["models"]["values"][:top]]
    found = {v["value"]: v["count"] for v in facets["income"]["values"]}
    bands = [(label, found.get(key, 0)) for key, label, _, _ in INCOME_BUCKETS]
    unstated = total - sum(n for _, n in bands)
    if unstated:
        bands.append(("未注明", unstated))
    return {"villages": total,
            "models": chart_dict(count_chart("overview-models", "各经营模式的村镇案例数", models)),
            "income": chart_dict(count_chart("overview-income",
                                             "按集体经济收入（最新）分的村镇案例数", bands))}


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
