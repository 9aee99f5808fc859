"""Structured case data in SQL (SQLite by default, any SQLAlchemy URL by configuration)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import sessionmaker

from casefile.case import Case

Slug = Annotated[str, mapped_column(String(80))]
ShortText = Annotated[str | None, mapped_column(String(120))]
Wan = Annotated[float | None, mapped_column(Float)]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class CaseRecord(Base):
    __tablename__ = "cases"

    slug: Mapped[Slug] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    province: Mapped[ShortText] = mapped_column(index=True)
    city: Mapped[ShortText] = mapped_column(index=True)
    county: Mapped[ShortText] = mapped_column(index=True)
    township: Mapped[ShortText]
    village: Mapped[ShortText]
    terrain: Mapped[ShortText]
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    years: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    income_before: Mapped[Wan]
    income_before_year: Mapped[int | None] = mapped_column(Integer)
    income_after: Mapped[Wan]
    income_after_year: Mapped[int | None] = mapped_column(Integer)
    source_document: Mapped[str] = mapped_column(String(300))
    source_publisher: Mapped[ShortText]
    source_date: Mapped[str | None] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    figures: Mapped[list[FigureRecord]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="FigureRecord.position"
    )
    traits: Mapped[list[CaseTrait]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )

    def trait_values(self, facet: str) -> list[str]:
        return [t.value for t in self.traits if t.facet == facet]


class FigureRecord(Base):
    __tablename__ = "case_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_slug: Mapped[Slug] = mapped_column(ForeignKey("cases.slug", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    metric: Mapped[str | None] = mapped_column(String(30))
    approx: Mapped[str] = mapped_column(String(4), default="")

    case: Mapped[CaseRecord] = relationship(back_populates="figures")


class CaseTrait(Base):
    """One controlled-vocabulary value of a case (model, industry, resource) for SQL filters."""

    __tablename__ = "case_traits"
    __table_args__ = (Index("ix_case_traits_facet_value", "facet", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_slug: Mapped[Slug] = mapped_column(ForeignKey("cases.slug", ondelete="CASCADE"))
    facet: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(60))

    case: Mapped[CaseRecord] = relationship(back_populates="traits")


class QueryLog(Base):
    """Searches as typed, so the editor sees what found nothing and what is asked most."""

    __tablename__ = "query_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200), index=True)
    filters: Mapped[str | None] = mapped_column(String(300))
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


TRAIT_FACETS = {"model": "models", "industry": "industries", "resource": "resources"}


def record_from_case(case: Case) -> CaseRecord:
    """Build the row (with figures and traits) for one parsed case."""
    before, after = case.income_before_after()
    rec = CaseRecord(
        slug=case.slug, title=case.title, kind=case.kind,
        province=case.region.province, city=case.region.city, county=case.region.county,
        township=case.region.township, village=case.region.village, terrain=case.terrain,
        summary=case.summary, body=case.body, years=list(case.years), tags=list(case.tags),
        income_before=before.value if before else None,
        income_before_year=before.year if before else None,
        income_after=after.value if after else None,
        income_after_year=after.year if after else None,
        source_document=case.source.document, source_publisher=case.source.publisher,
        source_date=case.source.date, content_hash=case.content_hash, path=case.path,
        updated_at=utcnow(),
    )
    rec.figures = [
        FigureRecord(position=i, label=f.label, value=f.value, unit=f.unit, year=f.year,
                     metric=f.metric, approx=f.approx)
        for i, f in enumerate(case.figures)
    ]
    rec.traits = [
        CaseTrait(facet=facet, value=value)
        for facet, attr in TRAIT_FACETS.items()
        for value in getattr(case, attr)
    ]
    return rec


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets foreign keys and a busy timeout for concurrent workers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql"):
        # A silent network drop must fail fast (503), not hang a worker until its timeout.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Create tables directly (tests, first run); Alembic migrations manage upgrades."""
    Base.metadata.create_all(engine)
