"""Filters and facet counts over a result set.

Counts are disjunctive, as in a shop's side bar: the count next to a value of one facet is
computed with every other facet's filter applied but not that facet's own, so choosing a
second value of the same facet widens the results by exactly the number shown.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from casefile.case import KIND_LABELS
from casefile.case import Case
from search.query import FILTER_LABELS
from search.query import INCOME_BUCKETS
from search.query import SearchQuery

INCOME_LABEL = "集体经济收入（最新）"

FACET_ORDER = ("kind", "models", "resources", "industries", "terrain", "province", "city",
               "county", "income")


def case_values(case: Case, facet: str) -> list[str]:
    if facet in ("models", "industries", "resources"):
        return list(getattr(case, facet))
    if facet == "kind":
        return [case.kind]
    if facet == "terrain":
        return [case.terrain] if case.terrain else []
    value = getattr(case.region, facet)
    return [value] if value else []


def latest_income(case: Case) -> float | None:
    _, after = case.income_before_after()
    return after.value if after else None


def income_bucket(case: Case) -> str | None:
    value = latest_income(case)
    if value is None:
        return None
    for key, _, low, high in INCOME_BUCKETS:
        if value >= low and (high is None or value < high):
            return key
    return None


def matches(case: Case, query: SearchQuery, skip: str | None = None) -> bool:
    """Whether the case passes every filter of the query except facet `skip`."""
    for facet, wanted in query.filters.items():
        if facet != skip and not set(case_values(case, facet)) & set(wanted):
            return False
    if skip != "income" and (query.income_min is not None or query.income_max is not None):
        value = latest_income(case)
        if value is None:
            return False
        if query.income_min is not None and value < query.income_min:
            return False
        if query.income_max is not None and value >= query.income_max:
            return False
    return True


def _facet_values(case: Case) -> dict:  # also read by search/facet_table.py
    """Every facet's values of the case, computed once per loaded case: a result set of
    hundreds of cases is counted on every query. Kept in the frozen case's __dict__, which
    its equality and serialisation ignore."""
    cached = case.__dict__.get("_facet_values")
    if cached is None:
        cached = {f: tuple(case_values(case, f)) for f in FACET_ORDER if f != "income"}
        bucket = income_bucket(case)
        cached["income"] = (bucket,) if bucket else ()
        cached["pairs"] = tuple((f, v) for f in FACET_ORDER for v in cached[f])
        case.__dict__["_facet_values"] = cached
    return cached


def _all_counts(cases: list[Case]) -> dict[str, Counter]:
    """Counts of every facet over unfiltered results in one counting pass."""
    both = Counter(chain.from_iterable(_facet_values(c)["pairs"] for c in cases))
    out: dict[str, Counter] = {f: Counter() for f in FACET_ORDER}
    for (facet, value), n in both.items():
        out[facet][value] = n
    return out


def facet_counts(cases: list[Case], query: SearchQuery) -> dict[str, dict]:
    """For each facet: its label and values with counts, selected values flagged."""
    out: dict[str, dict] = {}
    unfiltered = not query.filters and query.income_min is None and query.income_max is None
    every = _all_counts(cases) if unfiltered else None
    for facet in FACET_ORDER:
        pool = cases if unfiltered else [c for c in cases if matches(c, query, skip=facet)]
        if facet == "income":
            out[facet] = _income_facet(pool, query, every["income"] if every else None)
            continue
        counts = every[facet] if every else Counter(v for c in pool
                                                    for v in _facet_values(c)[facet])
        chosen = set(query.filters.get(facet, ()))
        for value in chosen - set(counts):
            counts[value] = 0  # a chosen value stays visible (and removable) with 0
        values = [
            {"value": v, "label": KIND_LABELS.get(v, v) if facet == "kind" else v,
             "count": n, "selected": v in chosen}
            for v, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
        ]
        out[facet] = {"label": FILTER_LABELS[facet], "values": values}
    return out


def _income_facet(pool: list[Case], query: SearchQuery, counts: Counter | None = None) -> dict:
    if counts is None:
        counts = Counter(b for c in pool for b in _facet_values(c)["income"])
    return income_facet(counts, query)


def income_facet(counts, query: SearchQuery) -> dict:
    """The income facet from bucket counts (both counting paths render it here)."""
    values = []
    for key, label, low, high in INCOME_BUCKETS:
        selected = query.income_min == low and query.income_max == high
        if counts.get(key) or selected:
            values.append({"value": key, "label": label, "count": counts.get(key, 0),
                           "selected": selected})
    return {"label": INCOME_LABEL, "values": values}
