"""The Whoosh schema: one document per case, keyed on its unique slug."""

from __future__ import annotations

from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema

from analysis.segment import case_analyzer
from casefile.case import Case
from casefile.chunk import plain_text

# Field weights for BM25F: a word in the title or the structured traits says more about what the
# case is than the same word deep in its body.
FIELD_BOOSTS = {"title": 3.0, "summary": 2.0, "traits": 2.0, "body": 1.0}
TEXT_FIELDS = tuple(FIELD_BOOSTS)


def case_schema() -> Schema:
    analyzer = case_analyzer()
    text = {
        name: TEXT(analyzer=analyzer, field_boost=boost, phrase=True, chars=True)
        for name, boost in FIELD_BOOSTS.items()
    }
    # Filters and facets are computed from the generation's catalog, not from Whoosh fields.
    return Schema(slug=ID(stored=True, unique=True), kind=ID(stored=True), **text)


def traits_text(case: Case) -> str:
    """The structured fields as searchable words (models, industries, resources, places, tags)."""
    parts = [*case.models, *case.industries, *case.resources, *case.tags, *case.region.parts()]
    if case.terrain:
        parts.append(case.terrain)
    return "；".join(parts)


def case_document(case: Case) -> dict:
    """The fields `update_document` writes for one case."""
    return {
        "slug": case.slug,
        "kind": case.kind,
        "title": case.title,
        "summary": case.summary,
        "traits": traits_text(case),
        "body": "\n".join(f"{s.heading}\n{plain_text(s.text)}" for s in case.sections),
    }
