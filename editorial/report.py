"""What the editor needs to decide: searches that found nothing, drafts that repeat a case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.case import Case
from db.models import QueryLog
from db.models import utcnow
from editorial.models import DismissedQuery
from editorial.records import audit

MAX_CANDIDATES = 200


@dataclass(frozen=True)
class MissedQuery:
    query: str
    count: int
    total: int  # direct hits the visitor saw (the search's direct tier)


def frequent_queries(session: Session, days: int = 7,
                     limit: int = MAX_CANDIDATES) -> list[tuple[str, int, int]]:
    """(query, count, smallest logged total) of the last `days`, most asked first."""
    since = utcnow() - dt.timedelta(days=days)
    rows = session.execute(
        select(QueryLog.query, func.count(), func.min(QueryLog.total))
        .where(QueryLog.created_at >= since)
        .group_by(QueryLog.query).order_by(func.count().desc(), QueryLog.query).limit(limit))
    return [(q, n, t) for q, n, t in rows]


def missed_queries(session: Session, direct_total, days: int = 7,
                   limit: int = 50) -> list[MissedQuery]:
    """This week's most frequent queries with no direct hit.

    The log holds the direct total the visitor saw; each candidate is searched again
    (`direct_total(text) -> int`) against the serving index, so a query an edit has since
    fixed drops off the list.
    """
    out = []
    dismissed = set(session.scalars(select(DismissedQuery.query)))
    for query, count, total in frequent_queries(session, days):
        if query not in dismissed and direct_total(query) == 0:
            out.append(MissedQuery(query, count, total))
        if len(out) >= limit:
            break
    return out


def dismiss_query(session: Session, query: str, user: str) -> None:
    """Mark a search as outside the library (不属于本库范围); commits."""
    query = query.strip()[:200]
    if query and session.scalar(select(DismissedQuery.id).where(DismissedQuery.query == query)
                                ) is None:
        session.add(DismissedQuery(query=query, dismissed_by=user))
        audit(session, user, "dismiss-query", f"query:{query}")
    session.commit()


@dataclass(frozen=True)
class Duplicate:
    slug: str
    title: str
    reason: str


def near_duplicates(draft: Case, catalog: dict[str, Case], similar_slugs: list[str]
                    ) -> list[Duplicate]:
    """Existing cases a draft may repeat: same id, same village (in the same county when
    both name one), or among the draft's closest matches by text (`similar_slugs`)."""
    found: dict[str, Duplicate] = {}
    if draft.slug in catalog:
        found[draft.slug] = Duplicate(draft.slug, catalog[draft.slug].title,
                                      "编号相同，发布将替换它")
    for slug, case in catalog.items():
        reason = None if slug in found else _same_place(draft, case) or _same_section(
            draft, case)
        if reason:
            found[slug] = Duplicate(slug, case.title, reason)
    for slug in similar_slugs:
        if slug in catalog and slug not in found:
            found[slug] = Duplicate(slug, catalog[slug].title, "正文相近")
    return list(found.values())


def _same_place(draft: Case, case: Case) -> str | None:
    """The same village (or, for a draft about a township, the same township), unless both
    name different counties."""
    a, b = draft.region, case.region
    if a.county and b.county and a.county != b.county:
        return None
    if a.village and a.village == b.village:
        return f"同一个村：{a.village}"
    if not a.village and not b.village and a.township and a.township == b.township:
        return f"同一个乡镇：{a.township}"
    return None


def _same_section(draft: Case, case: Case) -> str | None:
    """The same section of the same source document (a practice or overview has no place)."""
    doc = draft.source.document.strip("《》 ") if draft.source.document else ""
    if doc and doc == (case.source.document or "").strip("《》 ") and (
            _squash(draft.title) == _squash(case.title)):
        return f"同一份材料《{doc}》里的同一节"
    return None


def _squash(text: str) -> str:
    return "".join(text.split())


def similar_by_text(gen, embedder, draft: Case, threshold: float) -> list[str]:
    """Cases whose mean passage vector is within `threshold` cosine of the draft's."""
    import numpy as np

    from casefile.chunk import case_chunks
    from casefile.chunk import embedding_text
    from search.similar import case_centroids

    chunks = case_chunks(draft)
    if not chunks or not gen.slugs:
        return []
    vectors = embedder.encode_documents([embedding_text(draft.title, c) for c in chunks])
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    mean /= max(float(np.linalg.norm(mean)), 1e-9)
    sims = case_centroids(gen) @ mean
    order = np.argsort(-sims)
    return [gen.slugs[i] for i in order[:5] if sims[i] >= threshold]
