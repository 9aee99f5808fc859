"""Term arrays for BM25: they hold what Whoosh holds, score as Okapi BM25, and incremental
builds carry unchanged cases over without parsing, copying or disturbing the serving index."""

import math
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURE_CASES
from conftest import make_world
from whoosh import index as whoosh_index
from worlds import services_of

from indexer import store
from indexer import terms
from indexer.schema import TEXT_FIELDS
from search.bm25 import Bm25Arrays
from search.engine import run_search
from search.keyword import keyword_hits
from search.keyword import plan_query
from search.query import parse_query


@pytest.fixture
def world(tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    return make_world(tmp_path, cases), cases


def service_of(app):
    return services_of(app).search


def rebuild(app):
    return services_of(app).reindex(progress=False)


def whoosh_holders(path: Path) -> dict[str, set[str]]:
    """term -> slugs holding it in any text field, read from the Whoosh index of record."""
    ix = whoosh_index.open_dir(str(path / "whoosh"))
    out: dict[str, set[str]] = {}
    with ix.searcher() as s:
        slug = {n: f["slug"] for n, f in s.reader().iter_docs()}
        for field in TEXT_FIELDS:
            for term in s.reader().lexicon(field):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                docs = s.postings(field, text).all_ids()
                out.setdefault(text, set()).update(slug[d] for d in docs if d in slug)
    ix.close()
    return out


def array_holders(table: terms.TermTable) -> dict[str, set[str]]:
    csc = table.counts.tocsc()
    out = {}
    for col, term in enumerate(table.vocab):
        rows = csc.indices[csc.indptr[col]:csc.indptr[col + 1]]
        if rows.size:
            out[term] = {table.slugs[r] for r in rows}
    return out


def test_arrays_hold_exactly_what_whoosh_holds(world):
    app, _ = world
    gen = service_of(app).generation()
    assert array_holders(terms.read_table(gen.path)) == whoosh_holders(gen.path)


def test_scores_are_okapi_bm25_over_the_case_tokens(world):
    app, _ = world
    gen = service_of(app).generation()
    table = terms.read_table(gen.path)
    docs = {s: Counter(terms.case_tokens(gen.catalog[s], gen.analyzer)) for s in table.slugs}
    avgdl = sum(sum(c.values()) for c in docs.values()) / len(docs)
    query = ["光伏", "合作社", "村集体"]
    k1, b = 1.2, 0.75
    expected = []
    for slug in table.slugs:
        total = 0.0
        for t in query:
            df = sum(1 for c in docs.values() if c[t])
            idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
            tf, dl = docs[slug][t], sum(docs[slug].values())
            total += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
        expected.append(total)
    got = Bm25Arrays(table, k1, b).scores(query)
    assert max(expected) > 0
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_literal_hits_are_exact_and_first(world):
    app, _ = world
    gen = service_of(app).generation()
    hits = keyword_hits(gen.keyword, plan_query(gen.analyzer, "1+2+N 合作社", ()))
    exact = [h.exact for h in hits]
    assert any(exact) and exact == sorted(exact, reverse=True)
    for h in hits:
        assert h.exact == ("1+2+n" in terms.case_tokens(gen.catalog[h.slug], gen.analyzer))


@pytest.mark.parametrize("phrase", ["闲置村部", "土地流转", "红色教育培训"])
def test_quoted_phrase_exact_tier_is_whooshs_phrase_match(world, phrase):
    from whoosh import query as wq

    app, _ = world
    gen = service_of(app).generation()
    hits = keyword_hits(gen.keyword, plan_query(gen.analyzer, "", (phrase,)))
    words = gen.analyzer.segment(phrase)
    with gen.ix.searcher() as s:
        q = wq.Or([wq.Phrase(f, words, slop=1) for f in TEXT_FIELDS])
        whole = {s.stored_fields(d)["slug"] for d in s.docs_for_query(q)}
    assert whole, phrase
    assert {h.slug for h in hits if h.exact} == whole
    assert [h.exact for h in hits] == sorted((h.exact for h in hits), reverse=True)


def test_update_of_one_case_links_whoosh_and_keeps_the_old_generation_whole(world):
    app, cases = world
    old = service_of(app).generation()
    old_docs = whoosh_index.open_dir(str(old.path / "whoosh")).doc_count()
    old_table = terms.read_table(old.path)
    path = sorted(cases.glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n村里新建了蘑菇烘干坊。\n",
                    encoding="utf-8")
    report = rebuild(app)
    assert len(report.updated) == 1 and len(report.unchanged) == len(old_table.slugs) - 1
    new_path = store.current_path(Path(app.config["INDEX_DIR"]))
    seg = next(p for p in (old.path / "whoosh").glob("*.seg"))
    assert (new_path / "whoosh" / seg.name).stat().st_ino == seg.stat().st_ino
    assert whoosh_index.open_dir(str(old.path / "whoosh")).doc_count() == old_docs
    assert "烘干坊" not in old.keyword.arrays.column
    new = service_of(app).generation()
    assert new.name != old.name
    found = run_search(service_of(app), parse_query({"q": "烘干坊"}), "keyword")
    assert [h["id"] for h in found.hits] == [report.updated[0]]
    new_table = terms.read_table(new.path)
    assert array_holders(new_table) == whoosh_holders(new.path)
    for slug in report.unchanged:
        assert new.catalog[slug] == old.catalog[slug]
        a = old_table.counts[old_table.slugs.index(slug)].toarray().ravel()
        b = new_table.counts[new_table.slugs.index(slug)].toarray().ravel()[:a.size]
        assert (a == b).all()


def test_untouched_files_are_not_parsed_again(world, monkeypatch):
    app, cases = world
    import indexer.build as build

    parsed = []
    real = build.load_case
    monkeypatch.setattr(build, "load_case", lambda p, v=None: parsed.append(p) or real(p, v))
    path = sorted(cases.glob("*.md"))[1]
    path.write_text(path.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    report = rebuild(app)
    assert parsed == [path] and len(report.updated) == 1
    (cases / path.name).unlink()
    report = rebuild(app)
    assert parsed == [path] and len(report.deleted) == 1
    gen = service_of(app).generation()
    assert set(terms.read_table(gen.path).slugs) == set(gen.catalog)
