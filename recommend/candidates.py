"""Which entries to score for a profile: SQL does the filtering, the ranking happens in Python.

The kind of entry is a hard filter. In a small library every entry of those kinds is scored.
In a large one only entries with some evidence are: a shared or related resource or
industry (CaseTrait rows), the same township, county or city, the same terrain, or a place
among the best text matches of the goals. An entry with none of these could only rank on its
province and income figures, which is no recommendation at all.
"""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from casefile.case import KINDS
from db.models import CaseRecord
from db.models import CaseTrait
from recommend.fit import RELATED_INDUSTRIES
from recommend.fit import RELATED_RESOURCES
from recommend.profile import VillageProfile

FULL_SCAN_MAX = 1000  # up to this many entries, score them all
TEXT_CANDIDATES = 200  # best goal-word and best meaning matches always considered
MAX_SCORED = 2000  # at most this many entries are scored in a large library


def with_related(values: tuple[str, ...], table: set[frozenset]) -> list[str]:
    """`values` plus every value the table pairs with one of them."""
    out = set(values)
    for pair in table:
        if pair & set(values):
            out |= pair
    return sorted(out)


def _trait_filter(profile: VillageProfile):
    """case_traits rows holding one of the profile's resources or industries (or related)."""
    parts = []
    if profile.resources:
        values = with_related(profile.resources, RELATED_RESOURCES)
        parts.append(and_(CaseTrait.facet == "resource", CaseTrait.value.in_(values)))
    if profile.industries:
        values = with_related(profile.industries, RELATED_INDUSTRIES)
        parts.append(and_(CaseTrait.facet == "industry", CaseTrait.value.in_(values)))
    return or_(*parts) if parts else None


def evidence_conditions(profile: VillageProfile, text_slugs: list[str]) -> list:
    traits = _trait_filter(profile)
    conditions = []
    if traits is not None:
        conditions.append(CaseRecord.slug.in_(select(CaseTrait.case_slug).where(traits)))
    for level in ("township", "county", "city"):
        if getattr(profile, level):
            conditions.append(getattr(CaseRecord, level) == getattr(profile, level))
    if profile.terrain:
        conditions.append(CaseRecord.terrain == profile.terrain)
    if text_slugs:
        conditions.append(CaseRecord.slug.in_(text_slugs))
    return conditions


def candidate_slugs(session: Session, profile: VillageProfile, text_slugs: list[str],
                    library_size: int, kinds: tuple[str, ...] = KINDS) -> list[str]:
    """Slugs to score; `text_slugs` are the best text matches of the goals.

    Above MAX_SCORED entries with evidence, the text matches and then the entries sharing
    the most traits are kept: scoring is Python work per entry.
    """
    base = select(CaseRecord.slug).where(CaseRecord.kind.in_(kinds))
    conditions = evidence_conditions(profile, text_slugs)
    if library_size <= FULL_SCAN_MAX or not conditions:
        return list(session.scalars(base.order_by(CaseRecord.slug)))
    stmt = base.where(or_(*conditions))
    order = [CaseRecord.slug.in_(text_slugs).desc()] if text_slugs else []
    traits = _trait_filter(profile)
    if traits is not None:
        shared = (select(CaseTrait.case_slug, func.count().label("n")).where(traits)
                  .group_by(CaseTrait.case_slug).subquery())
        stmt = stmt.outerjoin(shared, shared.c.case_slug == CaseRecord.slug)
        order.append(func.coalesce(shared.c.n, 0).desc())
    return list(session.scalars(stmt.order_by(*order, CaseRecord.slug).limit(MAX_SCORED)))
