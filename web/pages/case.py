"""Builders for a case page and its "more like this" list."""

from __future__ import annotations

from flask import abort
from flask import url_for

from casefile.case_view import case_view
from handouts.charts import income_block
from search.similar import similar_cases
from web.services import get_service


def current_catalog() -> dict:
    """The serving generation's cases by id: the one read model of pages, packs and the API."""
    return get_service().generation().catalog


def get_case_or_404(slug: str) -> dict:
    case = get_service().generation().case(slug)
    if case is None:
        abort(404)
    data = case_view(case)
    return dict(data, income=income_block([data], key=f"income-{slug}"))


def similar_data(slug: str, limit: int = 5) -> list[dict]:
    service = get_service()
    gen = service.generation()
    if slug not in gen.catalog:
        return []
    found = similar_cases(gen, slug, limit, use_vectors=service.vectors_usable)
    return [{"id": s.slug, "title": s.title, "score": s.score, "reasons": s.reasons,
             "url": url_for("core.case_page", slug=s.slug)} for s in found]
