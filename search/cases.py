"""Case records from SQL as plain dicts, for the case page, its JSON twin and exports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from indexer.case import KIND_LABELS
from indexer.case import REGION_LABELS
from indexer.case import REGION_LEVELS
from indexer.case import format_figure
from indexer.models import CaseRecord
from indexer.parse import split_sections


def get_case(session: Session, slug: str) -> CaseRecord | None:
    stmt = (select(CaseRecord).where(CaseRecord.slug == slug)
            .options(selectinload(CaseRecord.figures), selectinload(CaseRecord.traits)))
    return session.scalars(stmt).first()


def get_cases(session: Session, slugs: list[str]) -> list[CaseRecord]:
    """Records for `slugs`, in that order (unknown slugs are skipped)."""
    stmt = (select(CaseRecord).where(CaseRecord.slug.in_(slugs))
            .options(selectinload(CaseRecord.figures), selectinload(CaseRecord.traits)))
    found = {r.slug: r for r in session.scalars(stmt)}
    return [found[s] for s in slugs if s in found]


def figure_text(f) -> str:
    return format_figure(f.value, f.unit, f.approx or "", f.year)


def case_dict(rec: CaseRecord) -> dict:
    """Everything a reader or a program needs about one case."""
    region = {lvl: getattr(rec, lvl) for lvl in REGION_LEVELS}
    return {
        "id": rec.slug,
        "title": rec.title,
        "kind": rec.kind,
        "kind_label": KIND_LABELS.get(rec.kind, rec.kind),
        "region": region,
        "region_label": " · ".join(v for v in region.values() if v) or "地区未注明",
        "region_parts": [{"level": REGION_LABELS[k], "value": v} for k, v in region.items() if v],
        "terrain": rec.terrain,
        "years": rec.years,
        "models": rec.trait_values("model"),
        "industries": rec.trait_values("industry"),
        "resources": rec.trait_values("resource"),
        "tags": rec.tags,
        "summary": rec.summary,
        "figures": [
            {"label": f.label, "value": f.value, "unit": f.unit, "year": f.year,
             "metric": f.metric, "approx": f.approx, "text": figure_text(f)}
            for f in rec.figures
        ],
        "income_before": rec.income_before,
        "income_before_year": rec.income_before_year,
        "income_after": rec.income_after,
        "income_after_year": rec.income_after_year,
        "source": {"document": rec.source_document, "publisher": rec.source_publisher,
                   "date": rec.source_date},
        "citation": citation(rec),
        "sections": [{"heading": s.heading, "markdown": s.text}
                     for s in split_sections(rec.body)],
    }


def citation(rec: CaseRecord) -> str:
    doc = rec.source_document
    parts = [doc if doc.startswith("《") else f"《{doc}》"]
    parts += [p for p in (rec.source_publisher, rec.source_date) if p]
    return "，".join(parts)
