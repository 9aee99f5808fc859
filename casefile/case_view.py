"""The reader's view of one `Case`: the dict case pages, packs, comparisons and the API share.

Built from the one case model (the serving generation's catalog), so a page, its JSON twin,
a handout and a comparison can never describe the same case differently.
"""

from __future__ import annotations

from collections.abc import Mapping

from casefile.case import KIND_LABELS
from casefile.case import REGION_LABELS
from casefile.case import REGION_LEVELS
from casefile.case import Case
from casefile.case import Figure


def figure_view(f: Figure) -> dict:
    return {"label": f.label, "value": f.value, "unit": f.unit, "year": f.year,
            "metric": f.metric, "approx": f.approx, "text": f.text(), "quote": f.quote}


def evidence_view(case: Case) -> dict[str, dict[str, str]]:
    """Facet -> value -> the source sentence that states it (`region` keys the place name)."""
    out: dict[str, dict[str, str]] = {}
    for ev in case.evidence:
        out.setdefault(ev.field, {})[ev.value] = ev.quote
    return out


def case_card(case: Case) -> dict:
    """The key facts of a case: the part of its view a search hit shows too (one projection)."""
    before, after = case.income_before_after()
    return {
        "id": case.slug,
        "title": case.title,
        "kind": case.kind,
        "kind_label": KIND_LABELS.get(case.kind, case.kind),
        "region": {lvl: getattr(case.region, lvl) for lvl in REGION_LEVELS},
        "region_label": case.region.label(),
        "summary": case.summary,
        "models": list(case.models),
        "industries": list(case.industries),
        "resources": list(case.resources),
        "income_before": before.value if before else None,
        "income_before_year": before.year if before else None,
        "income_after": after.value if after else None,
        "income_after_year": after.year if after else None,
    }


def case_view(case: Case) -> dict:
    """Everything a reader or a program needs about one case."""
    card = case_card(case)
    return {
        **card,
        "region_parts": [{"level": REGION_LABELS[k], "value": v}
                         for k, v in card["region"].items() if v],
        "terrain": case.terrain,
        "years": list(case.years),
        "tags": list(case.tags),
        "figures": [figure_view(f) for f in case.figures],
        "source": {"document": case.source.document, "publisher": case.source.publisher,
                   "date": case.source.date},
        "citation": case.source.citation(),
        "sections": [{"heading": s.heading, "markdown": s.text} for s in case.sections],
        "evidence": evidence_view(case),
    }


def case_views(catalog: Mapping[str, Case], slugs: list[str]) -> tuple[list[dict], list[str]]:
    """The views of `slugs` the catalog holds, in order, and the slugs it does not hold."""
    return ([case_view(catalog[s]) for s in slugs if s in catalog],
            [s for s in slugs if s not in catalog])
