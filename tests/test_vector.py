"""The large-library vector path (int8 scan + exact rescoring) agrees with the exact product."""

import numpy as np

from search import vector


def test_int8_scan_finds_the_same_cases_as_the_exact_product(fixture_services, monkeypatch):
    service = fixture_services.search
    gen = service.generation()
    for text in ("光伏发电", "流转土地建产业园", "红色资源 旧村部", "茶叶加工"):
        qvec = service.embedder.encode_query(text)
        exact = vector.vector_hits(gen, qvec, 5)
        monkeypatch.setattr(vector, "EXACT_ROWS", 0)
        scanned = vector.vector_hits(gen, qvec, 5)
        monkeypatch.setattr(vector, "EXACT_ROWS", 200_000)
        assert [h.slug for h in scanned] == [h.slug for h in exact]
        assert np.allclose([h.score for h in scanned], [h.score for h in exact])
        assert [h.chunk for h in scanned] == [h.chunk for h in exact]


def test_candidate_cut_keeps_each_case_once(fixture_services):
    gen = fixture_services.search.generation()
    qvec = fixture_services.search.embedder.encode_query("村集体经济")
    cases, sims, rows = vector.candidate_scores(gen, qvec, rows=3)
    assert len(set(cases.tolist())) == len(cases) <= 3
    assert all(gen.case_starts[c] <= r for c, r in zip(cases, rows, strict=True))
