"""The review side of a draft: its source with evidence marked, and possible duplicates."""

from __future__ import annotations

from flask import current_app
from flask import url_for

from casefile.case import Case
from casefile.case import Region
from casefile.case import Source
from casefile.parse import CaseFormatError
from casefile.parse import parse_case_text
from editorial.drafts import evidence_sentences
from editorial.highlight import mark_sentences
from editorial.models import Draft
from editorial.report import near_duplicates
from editorial.report import similar_by_text
from web.admin.services import vocab
from web.services import get_service


def review_data(draft: Draft, meta: dict, body: str) -> dict:
    sentences = evidence_sentences(meta)
    source_html, missing = mark_sentences(draft.upload.source_text, sentences)
    return {
        "source": {"name": draft.upload.source_name, "text": draft.upload.source_text},
        "evidence": sentences, "missing_evidence": missing,
        "duplicates": duplicates(draft, meta),
        "_source_html": source_html,
    }


def as_case(draft: Draft, meta: dict) -> Case:
    """The draft as a Case, even when it does not yet pass the check (for comparisons)."""
    try:
        return parse_case_text(draft.text, "draft", vocab())
    except CaseFormatError:
        region = meta.get("region") if isinstance(meta.get("region"), dict) else {}
        keep = {k: str(v) for k, v in region.items()
                if k in ("province", "city", "county", "township", "village") and v}
        return Case(slug=str(meta.get("id", "")), title=str(meta.get("title", "")),
                    kind="case", region=Region(**keep), summary="", source=Source(""))


def duplicates(draft: Draft, meta: dict, by_text: bool = True) -> list[dict]:
    """Existing cases this draft may repeat; `by_text` also embeds the draft (slower)."""
    service = get_service()
    gen = service.generation()
    case = as_case(draft, meta)
    similar = []
    if by_text and service.vectors_usable and case.body:
        similar = similar_by_text(gen, service.embedder, case,
                                  current_app.config["DUPLICATE_SIMILARITY"])
    return [{"id": d.slug, "title": d.title, "reason": d.reason,
             "url": url_for("core.case_page", slug=d.slug)}
            for d in near_duplicates(case, gen.catalog, similar)]
