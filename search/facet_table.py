"""Facet counts from integer arrays: one table per loaded generation, numpy per query.

Every case's facet values become codes in one CSR-like layout per facet (row = case), so a
query's disjunctive counts are a few boolean masks and one ``np.bincount`` per facet instead
of a Python Counter over thousands of cases (10,000 unfiltered results: the counting is a
fraction of a millisecond). Same output as ``facets.facet_counts`` (tests compare them).
"""

from __future__ import annotations

import numpy as np

from casefile.case import KIND_LABELS
from casefile.case import Case
from search.facets import FACET_ORDER
from search.facets import _facet_values
from search.facets import income_facet
from search.facets import latest_income
from search.query import FILTER_LABELS
from search.query import SearchQuery


class FacetTable:
    """The facet values of every case of a catalog, as codes."""

    def __init__(self, catalog: dict[str, Case]):
        self.order = FACET_ORDER
        self.row = {slug: i for i, slug in enumerate(catalog)}
        self.size = len(self.row)
        self.values: dict[str, list[str]] = {}
        self.codes: dict[str, np.ndarray] = {}  # value code of each (case, value) entry
        self.rows: dict[str, np.ndarray] = {}  # case row of each entry
        cases = list(catalog.values())
        for facet in FACET_ORDER:
            index: dict[str, int] = {}
            codes, rows = [], []
            for r, case in enumerate(cases):
                for value in _facet_values(case)[facet]:
                    codes.append(index.setdefault(value, len(index)))
                    rows.append(r)
            self.values[facet] = list(index)
            self.codes[facet] = np.asarray(codes, dtype=np.int32)
            self.rows[facet] = np.asarray(rows, dtype=np.int32)
        incomes = [latest_income(c) for c in cases]
        self.income = np.asarray([np.nan if v is None else v for v in incomes], dtype=np.float64)

    def _facet_mask(self, facet: str, wanted) -> np.ndarray:
        """Cases with any of the `wanted` values of `facet`."""
        lookup = {v: i for i, v in enumerate(self.values[facet])}
        chosen = [lookup[v] for v in wanted if v in lookup]
        mask = np.zeros(self.size, dtype=bool)
        if chosen:
            mask[self.rows[facet][np.isin(self.codes[facet], chosen)]] = True
        return mask

    def _income_mask(self, query: SearchQuery) -> np.ndarray | None:
        if query.income_min is None and query.income_max is None:
            return None
        with np.errstate(invalid="ignore"):
            mask = ~np.isnan(self.income)
            if query.income_min is not None:
                mask &= self.income >= query.income_min
            if query.income_max is not None:
                mask &= self.income < query.income_max
        return mask

    def counts(self, slugs: list[str], query: SearchQuery) -> dict[str, dict]:
        """For each facet: its label and values with counts, selected values flagged."""
        found = np.zeros(self.size, dtype=bool)
        found[[self.row[s] for s in slugs if s in self.row]] = True
        masks = {f: self._facet_mask(f, wanted) for f, wanted in query.filters.items()
                 if f in self.values}
        income = self._income_mask(query)
        out: dict[str, dict] = {}
        for facet in self.order:
            pool = found.copy()
            for other, mask in masks.items():
                if other != facet:
                    pool &= mask
            if income is not None and facet != "income":
                pool &= income
            entries = pool[self.rows[facet]]
            n = np.bincount(self.codes[facet][entries], minlength=len(self.values[facet]))
            counts = {self.values[facet][i]: int(n[i]) for i in np.flatnonzero(n)}
            out[facet] = (income_facet(counts, query) if facet == "income"
                          else _values(facet, counts, query))
        return out


def _values(facet: str, counts: dict[str, int], query: SearchQuery) -> dict:
    chosen = set(query.filters.get(facet, ()))
    for value in chosen - set(counts):
        counts[value] = 0  # a chosen value stays visible (and removable) with 0
    values = [{"value": v, "label": KIND_LABELS.get(v, v) if facet == "kind" else v,
               "count": n, "selected": v in chosen}
              for v, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]
    return {"label": FILTER_LABELS[facet], "values": values}

