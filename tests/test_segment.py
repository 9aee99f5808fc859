"""The shared analyzer: dictionary words whole, literals whole, ordinal positions, offsets."""

import pytest

from analysis.analyzer import Analyzer
from analysis.segment import normalise

ANALYZER = Analyzer()  # the shipped data files
analyze = ANALYZER.analyze
segment = ANALYZER.segment


@pytest.mark.parametrize("text, word", [
    ("发展壮大村级集体经济的先手棋", "村级集体经济"),
    ("推行两联一包模式", "两联一包"),
    ("杨林乡瓦坪村村社联营", "村社联营"),
    ("建设光伏发电项目", "光伏发电"),
    ("流转抛荒地", "抛荒地"),
    ("盘活闲置村部", "闲置村部"),
    ("坚持一村一品", "一村一品"),
])
def test_dictionary_words_stay_whole(text, word):
    assert word in segment(text)


@pytest.mark.parametrize("text, literal", [
    ("银田村“1+2+N”经验", "1+2+n"),
    ("以“村集体+公司+农户”的模式", "村集体+公司+农户"),
    ("推广党支部+合作社+基地+农户模式", "党支部+合作社+基地+农户"),
    ("流转土地750余亩", "750亩"),
    ("流转土地７５０亩", "750亩"),
    ("创收100万余元", "100万元"),
    ("增长48%", "48%"),
])
def test_literals_are_one_token(text, literal):
    assert literal in segment(text)


def test_positions_are_ordinal_and_subwords_share_them():
    toks = analyze("韶阳村光伏发电产业")
    mains = [t for t in toks if t.main]
    assert [t.pos for t in mains] == list(range(len(mains)))
    sub = next(t for t in toks if t.text == "光伏")
    parent = next(t for t in mains if t.text == "光伏发电")
    assert sub.pos == parent.pos and not sub.main


def test_subword_offsets_point_at_their_own_characters():
    text = "建设光伏发电项目"
    sub = next(t for t in analyze(text) if t.text == "光伏")
    assert text[sub.start:sub.end] == "光伏"


def test_query_mode_does_not_split_long_words():
    words = {t.text for t in analyze("光伏发电", mode="query")}
    assert "光伏发电" in words and "光伏" not in words


def test_synonyms_share_a_canonical_token():
    index_forms = {t.text for t in analyze("集体经济薄弱村")}
    query_forms = {t.text for t in analyze("空壳村", mode="query")}
    assert index_forms & query_forms


def test_stopwords_and_punctuation_are_dropped():
    assert segment("怎么 的，。！？") == []


def test_normalise_keeps_length_for_offsets():
    text = "ＡＢＣ１２３（全角）😀㎡"
    assert len(normalise(text)) == len(text)
    assert normalise("ＡＢＣ１２３").startswith("abc123")
