"""The concept tagger: plain words meet the vocabulary's concepts; negations and places don't."""

import pytest
from worlds import services_of

from analysis.concepts import ConceptMatch
from analysis.concepts import LexiconError
from analysis.concepts import load_lexicon
from analysis.concepts import suggest_facets
from analysis.concepts import tag_text
from analysis.vocabulary import load_vocabulary


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def concepts(text, lexicon):
    return {m.concept for m in tag_text(text, lexicon)}


@pytest.mark.parametrize("text, expected", [
    ("地没人种怎么办", {"土地流转", "土地托管"}),
    ("村里的地一直荒着", {"土地流转", "土地托管"}),  # near wording: 地 … 荒
    ("好多荒地", {"土地流转", "抛荒地"}),
    ("闲置校舍能做什么", {"资产盘活"}),
    ("学校空了好几年", {"资产盘活"}),
    ("竹子卖不上价", {"加工", "品牌", "电商", "山林"}),
    ("年轻人都出去打工了", {"劳务服务", "留守就业"}),
    ("开展土地托管服务", {"土地托管", "农业服务"}),
])
def test_plain_words_reach_concepts(lexicon, text, expected):
    assert expected <= concepts(text, lexicon)


@pytest.mark.parametrize("text, absent", [
    ("我们村什么特产也没有", "品牌"),
    ("没有山林，也没有水源", "山林"),
    ("没有山林，也没有水源", "水源"),
    ("竹林村的合作社", "山林"),  # a place name, not a bamboo forest
])
def test_negation_and_place_names_do_not_fire(lexicon, text, absent):
    assert absent not in concepts(text, lexicon)


def test_matches_carry_offsets_facets_and_kind(lexicon):
    text = "我们村，地没人种"
    matches = tag_text(text, lexicon)
    assert matches and all(isinstance(m, ConceptMatch) for m in matches)
    for m in matches:
        assert text[m.start:m.end] == m.phrase
    by_concept = {m.concept: m for m in matches}
    assert by_concept["土地托管"].facet == "models"
    assert by_concept["抛荒地"].facet == "resources"
    assert by_concept["土地托管"].need is True


def test_longest_match_wins(lexicon):
    matches = tag_text("盘活闲置村部", lexicon)
    phrases = {m.phrase for m in matches}
    assert "闲置村部" in phrases and "闲置" not in phrases


def test_full_width_text_matches(lexicon):
    assert "光伏发电" in concepts("屋顶装光伏，发电收益归村集体", lexicon)
    assert "土地托管" in concepts("ｘ代耕代种", lexicon)


def test_every_facet_concept_is_a_vocabulary_value(lexicon):
    vocab = load_vocabulary()
    for concept, facet in lexicon.facets.items():
        if facet:
            assert concept in getattr(vocab, facet)


def test_suggest_facets_orders_by_mentions(lexicon):
    text = "村里成立劳务合作社，承接保洁和绿化；土地托管，代耕代种，统防统治。"
    out = suggest_facets(text, lexicon)
    assert out["models"][0] == "土地托管"
    assert "服务创收" in out["models"]
    assert out["resources"] == []


def test_bad_lexicon_file_gets_a_chinese_error(tmp_path):
    bad = tmp_path / "concepts.yaml"
    bad.write_text("entries:\n  - phrases: [荒地]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="缺少"):
        load_lexicon(bad)
    bad.write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="无法读取"):
        load_lexicon(bad)


def test_empty_and_hostile_text(lexicon):
    assert tag_text("", lexicon) == []
    assert tag_text("AND OR \"((", lexicon) == []
    assert isinstance(tag_text("荒" * 2000, lexicon), list)


@pytest.mark.parametrize("text", ["地没人种", "老村部闲着", "红色资源 闲置村部", "光伏发电"])
def test_concept_scoring_of_found_cases_equals_the_full_walk(shipped_app, text):
    """Scoring only the cases keyword or meaning search found gives those cases the same
    evidence as walking the whole library (the walk was most of a query's time at 10,000)."""
    from search.concepts import read_query
    from search.concepts import score_cases

    gen = services_of(shipped_app).search.generation()
    qc = read_query(text, gen)
    full = score_cases(qc, gen)
    assert full, text  # the query speaks of concepts some shipped case holds
    some = set(list(full)[::2]) | {"no-such-case"}
    part = score_cases(qc, gen, some)
    assert list(part) == [s for s in full if s in some]
    for slug, ev in part.items():
        assert ev.score == full[slug].score and ev.found == full[slug].found
