"""Facet counts from arrays (search/facet_table.py) equal the plain Python counting."""

from __future__ import annotations

import random

import pytest

from casefile.parse import case_files
from casefile.parse import load_case
from evaluation.synthetic import write_library
from search.facet_table import FacetTable
from search.facets import facet_counts
from search.query import parse_query


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    folder = tmp_path_factory.mktemp("facet-cases")
    write_library(folder, 120)
    cases = [load_case(p) for p in case_files(folder)]
    return {c.slug: c for c in cases}


QUERIES = [
    {},
    {"q": "光伏"},
    {"models": "土地流转"},
    {"models": ["土地流转", "村社联营"], "province": "湖南省"},
    {"industries": "种植", "terrain": "山区", "kind": "case"},
    {"income": "50-100"},
    {"income_min": "10", "income_max": "80", "models": "土地流转"},
    {"province": "没有这个省"},  # a chosen value no case has: shown with 0
]


@pytest.mark.parametrize("args", QUERIES)
def test_array_counts_equal_python_counts(catalog, args):
    from werkzeug.datastructures import MultiDict

    query = parse_query(MultiDict([(k, v) for k, vs in args.items()
                                   for v in (vs if isinstance(vs, list) else [vs])]))
    slugs = sorted(catalog)
    random.Random(len(args)).shuffle(slugs)
    for found in (slugs, slugs[:37], []):
        expected = facet_counts([catalog[s] for s in found], query)
        assert FacetTable(catalog).counts(found, query) == expected
