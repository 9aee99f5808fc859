"""The Whoosh schema: one document per case, keyed on its unique slug."""

from __future__ import annotations

from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema

from analysis.analyzer import Analyzer
from casefile.case import Case
from casefile.markdown import plain_text

# Keyword scores come from the term arrays (one bag over all four fields); Whoosh keeps each
# field's positions for quoted-phrase checks.
TEXT_FIELDS = ("title", "summary", "traits", "body")


def case_schema(analyzer: Analyzer) -> Schema:
    tokenizer = analyzer.whoosh_tokenizer()
    text = {
        name: TEXT(analyzer=tokenizer, phrase=True, chars=True) for name in TEXT_FIELDS
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
