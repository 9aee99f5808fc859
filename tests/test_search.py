"""Search behaviour as tables: expected top cases, hostile input, highlighting, facets."""

import pytest

from search.engine import run_search
from search.query import QueryError
from search.query import parse_query


@pytest.fixture
def services(fixture_services):
    """Every test here only searches: one Flask-free world for the session."""
    return fixture_services


def search(services, **args):
    return run_search(services.search, parse_query(args))


def ids(result):
    return [h["id"] for h in result.hits]


@pytest.mark.parametrize("q, first", [
    ("1+2+N", "hetian-land-park"),
    ('"村集体+公司+农户"', "changshui-company"),
    ("村集体+公司+农户", "changshui-company"),
    ("750亩", "hetian-land-park"),
    ("光伏", "yangguang-solar"),
    ("矿泉水", "yangguang-solar"),
    ("旧村部", "shanxia-red-office"),
    ("红色资源", "shanxia-red-office"),
    ("头雁", "practice-teams"),
    ("茶叶", "huazhu-tea"),
])
def test_expected_first_hit(services, q, first):
    assert ids(search(services, q=q))[0] == first


def test_quoted_phrase_found_word_for_word(services):
    result = search(services, q='"农业开发有限公司"')
    assert ids(result)[0] == "changshui-company"
    assert result.hits[0]["evidence"]["exact"] is True


def test_exact_literal_never_buried_under_meaning(services):
    result = search(services, q="1+2+N")
    exact = [h["evidence"]["exact"] for h in result.hits]
    assert exact[0] is True
    assert exact == sorted(exact, reverse=True)  # every exact hit before every other


def test_subword_recall_and_whole_word_highlight(services):
    # 花竹村 mentions 农业 only inside the dictionary word 农业发展银行.
    hit = next(h for h in search(services, q="农业").hits if h["id"] == "huazhu-tea")
    assert hit["evidence"]["keyword_rank"] is not None
    assert "<mark>农业</mark>发展银行" in hit["snippet"]


def test_highlight_marks_the_query_word_whole(services):
    hit = search(services, q="光伏").hits[0]
    assert "<mark>光伏</mark>" in hit["snippet"] or "<mark>光伏发电</mark>" in hit["snippet"]
    assert "<mark>光</mark>" not in hit["snippet"] and "<mark>伏</mark>" not in hit["snippet"]


def test_synonym_matches_and_is_highlighted(services):
    result = search(services, q="薄弱村")  # the case says 空壳村
    assert ids(result)[0] == "huazhu-tea"
    assert "<mark>空壳村</mark>" in result.hits[0]["snippet"]


@pytest.mark.parametrize("q", [
    "", "AND", "OR NOT", '"unbalanced', "“半个引号", "title:光伏", "光伏*", "(光伏",
    "solar power village", "😀🎉", "\u0000\u200b光伏\u202e", "<script>alert(1)</script>",
    "光伏" * 240, "'; DROP TABLE cases; --",
])
def test_hostile_queries_never_fail(services, q):
    result = search(services, q=q)
    assert result.total >= 0
    for hit in result.hits:
        assert "<script>" not in hit["snippet"] and "<script>" not in hit["title_html"]


def test_stopword_only_query_says_so(services):
    result = search(services, q="怎么的")
    assert result.total == 0 and result.notices


@pytest.mark.parametrize("args, field", [
    ({"q": "光" * 501}, "q"), ({"page": "0"}, "page"), ({"page": "abc"}, "page"),
    ({"per_page": "1000"}, "per_page"), ({"income_min": "-1"}, "income_min"),
    ({"income_max": "nan"}, "income_max"), ({"income": "lots"}, "income"),
    ({"models": ["x" * 61]}, "models"),
])
def test_bad_arguments_raise_query_error(args, field):
    with pytest.raises(QueryError) as info:
        parse_query(args)
    assert field in info.value.errors


def test_filter_narrows_and_counts_match(services):
    everything = search(services, q="")
    assert everything.total == 7
    counts = {v["value"]: v["count"] for v in everything.facets["models"]["values"]}
    narrowed = search(services, q="", models="土地流转")
    assert narrowed.total == counts["土地流转"] == 2
    assert set(ids(narrowed)) == {"hetian-land-park", "changshui-company"}


def test_facet_counts_are_disjunctive_within_a_facet(services):
    one = search(services, q="", models="土地流转")
    counts = {v["value"]: v["count"] for v in one.facets["models"]["values"]}
    both = search(services, q="", models=["土地流转", "资源开发"])
    assert both.total == counts["土地流转"] + counts["资源开发"]
    terrain = {v["value"]: v["count"] for v in one.facets["terrain"]["values"]}
    assert terrain == {"平原": 1, "丘陵": 1}  # other facets count within the filter


def test_income_range_filter(services):
    result = search(services, q="", income="20-50")
    assert ids(result) == ["hetian-land-park"]
    result = search(services, q="", income_min="40")
    assert ids(result) == ["changshui-company"]


def test_pagination(services):
    first = search(services, q="", per_page="3")
    second = search(services, q="", per_page="3", page="2")
    assert first.pages == 3 and len(first.hits) == 3
    assert not set(ids(first)) & set(ids(second))


def test_every_hit_carries_its_evidence(services):
    for hit in search(services, q="流转土地").hits:
        ev = hit["evidence"]
        assert ev["keyword_rank"] or ev["vector_rank"]
        assert isinstance(hit["matched"], list)
    top = search(services, q="流转土地").hits[0]
    assert top["evidence"]["keyword_rank"] is not None and top["matched"]


def test_similar_cases_name_shared_traits(services):
    from search.similar import similar_cases

    gen = services.search.generation()
    found = similar_cases(gen, "changshui-company", 3)
    assert found[0].slug == "hetian-land-park"
    assert any("土地流转" in r for r in found[0].reasons)


def test_chips_are_words_that_carry_meaning(services):
    result = search(services, q="地没人种怎么办")
    assert not {"地", "没", "人种", "怎么办"} & set(result.words)
    assert {"土地托管", "土地流转"} & set(result.words)  # the need shows as its concepts
    assert all("人种" not in h["matched"] for h in result.hits)
    assert search(services, q="闲置村部怎么盘活").words[:2] == ["闲置村部", "盘活"]


def test_evidence_in_plain_words_and_ranks_only_in_json(client):
    html = client.get("/search", query_string={"q": "光伏"}).get_data(as_text=True)
    assert "标题和正文都提到：光伏" in html
    assert "关键词第" not in html and "语义第" not in html
    body = client.get("/api/v1/search", query_string={"q": "光伏"}).get_json()
    first = body["hits"][0]
    assert first["evidence"]["keyword_rank"] == 1 and "标题和正文都提到：光伏" in first["why"]
    assert first["region_label"] and isinstance(first["region"], dict)
