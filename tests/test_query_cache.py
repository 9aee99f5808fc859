"""The search service's query-vector LRU and the heap freeze after a generation loads."""

from __future__ import annotations

import gc

import numpy as np
from worlds import FIXTURE_CASES
from worlds import make_world
from worlds import services_of

from embedding.embed import FakeEmbedder
from search.engine import run_search
from search.query import parse_query


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def encode_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return super().encode_query(text)


def test_repeated_queries_skip_the_model_and_old_ones_drop_out(tmp_path):
    service = services_of(make_world(tmp_path, FIXTURE_CASES)).search
    counting = CountingEmbedder()
    service.embedder, service.query_cache_size = counting, 2
    first = service.query_vector("光伏")
    assert np.array_equal(service.query_vector("光伏"), first) and counting.calls == 1
    assert not first.flags.writeable  # shared between requests: nobody may change it
    service.query_vector("茶叶")
    service.query_vector("乡村旅游")  # pushes 光伏, the least recently used, out
    service.query_vector("光伏")
    assert counting.calls == 4
    run_search(service, parse_query({"q": "光伏"}), "vector")
    assert counting.calls == 4  # the search used the cached vector


def test_loaded_generation_is_frozen_out_of_the_collector(tmp_path):
    service = services_of(make_world(tmp_path, FIXTURE_CASES)).search
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    service._gen = None  # force a fresh load
    service.generation()
    assert gc.get_freeze_count() > 0  # the catalog, chunk texts and postings are frozen
    gc.unfreeze()
