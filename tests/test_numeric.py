"""Numeric conditions: read from the query, met from a case's own figures, shown in plain words."""

import pytest

from analysis.figures import text_figures
from casefile.case import Case
from casefile.case import Figure
from casefile.case import Region
from casefile.case import Source
from embedding.embed import load_embedder
from evaluation.run import build_world
from evaluation.run import passage_cases
from search.engine import run_search
from search.numeric import case_facts
from search.numeric import make_fact
from search.numeric import read_conditions
from search.numeric import satisfies
from search.numeric import strip_conditions
from search.query import parse_query


@pytest.mark.parametrize("q, metric, low, high", [
    ("年收入50万元以上的村", "income", 50, None),
    ("村集体年收入超过100万元", "income", 100, None),
    ("集体经济收入超过1000万的村", "income", 1000, None),
    ("户均分红超过一千元", "dividend_household", 1000, None),
    ("村民分红每户一千元以上的例子", "dividend_household", 1000, None),
    ("人均分红不少于500元", "dividend_person", 500, None),
    ("年收入不到10万元的薄弱村", "income", None, 10),
    ("收入在30到50万元之间", "income", 30, 50),
    ("流转土地1000亩以上", "land", 1000, None),
    ("带动100户以上", "households", 100, None),
    ("集体收入增长50%以上", "income_growth_pct", 50, None),
    ("集体收入翻番", "income_growth_pct", 100, None),
    ("收入增长两倍", "income_growth_pct", 200, None),
])
def test_conditions_read_from_the_query(q, metric, low, high):
    (cond,) = read_conditions(q)
    assert (cond.metric, cond.low, cond.high) == (metric, low, high)


@pytest.mark.parametrize("q", ["750亩", "50万元", "2021年收入", "光伏90%以上", "1+2+N",
                               "创收100万"])
def test_literals_and_unknown_measures_are_no_condition(q):
    assert read_conditions(q) == []


def test_condition_words_leave_the_keyword_text():
    query = parse_query({"q": "年收入50万元以上的强村公司"})
    assert "50" not in query.terms_text and "以上" not in query.terms_text
    assert "强村公司" in query.terms_text and len(query.conditions) == 1
    # from a lower level to a higher one: both are conditions, neither is keyword text
    both = parse_query({"q": "集体收入从不足5万元增长到20万元以上"})
    assert [(c.low, c.high) for c in both.conditions] == [(None, 5), (20, None)]
    assert "5" not in both.terms_text


def _case(kind="case", figures=(), summary="", slug="x"):
    return Case(slug=slug, title="某村", kind=kind, region=Region(), summary=summary,
                source=Source(document="测试"), figures=tuple(figures))


def test_front_matter_figures_meet_conditions():
    case = _case(figures=[Figure("村级集体经济收入", 5, "万元", 2020, "income"),
                          Figure("村级集体经济收入", 50, "万元", None, "income")])
    facts = case_facts(case)
    (cond,) = read_conditions("年收入50万元以上")
    assert satisfies(cond, facts).shown == "50万元（报告时）"
    (more,) = read_conditions("年收入超过60万元")
    assert satisfies(more, facts) is None
    (double,) = read_conditions("收入翻番")  # 5 -> 50: ten times
    assert satisfies(double, facts) is not None


def test_an_average_or_a_city_figure_is_no_villages_figure():
    overview = _case("overview", [
        Figure("全市33个村集体经济平均收入", 63.5, "万元", 2022, "income"),
        Figure("**村集体经济收入", 1000, "万元", None, "income", "超过")])
    facts = case_facts(overview)
    assert [f.value for f in facts] == [1000]
    assert facts[0].shown.startswith("**村集体经济收入")
    assert overview.income_before_after()[0] is None  # never 63.5 -> 1000 as one village
    text = "全市33个村，村均集体收入达到63.5万元。该村集体经济收入达到80万元。"
    own = [(f.value, mine) for f, mine in text_figures(text) if f.metric == "income"]
    assert own == [(63.5, False), (80.0, True)]


def test_a_plain_corpus_meets_conditions_from_figures_read_at_index_time(tmp_path):

    passages = {
        "p1": ("甲村", "甲村发展民宿，村集体经济收入从2019年的3万元增长到2023年的80万元。"),
        "p2": ("乙村", "全县集体经济收入平均达到120万元，乙村发展民宿，集体收入12万元。"),
        "p3": ("丙村", "丙村发展养蜂，户均分红1200元。"),
    }
    world = build_world(tmp_path, load_embedder("fake", tmp_path), cases=passage_cases(passages))
    world.engine.dispose()
    service = world.service
    result = run_search(service, parse_query({"q": "集体收入50万元以上的民宿村"}))
    first = result.hits[0]
    assert first["id"] == "p1" and first["tier"] == "direct"
    assert "条件：村级集体经济收入 ≥ 50万元 · 本案例 80万元（2023年）" in first["why"]
    p2 = next(h for h in result.hits if h["id"] == "p2")
    assert not p2["evidence"]["conditions"]  # 120万元 is the county's average
    dividend = run_search(service, parse_query({"q": "户均分红超过1000元"}))
    assert dividend.hits[0]["id"] == "p3"
    assert "户均分红 ≥ 1000元" in dividend.words


def test_search_page_shows_the_condition_not_the_number_as_a_word(fixture_services):
    result = run_search(fixture_services.search, parse_query({"q": "年收入50万元以上的村"}))
    first = result.hits[0]
    assert first["id"] == "changshui-company" and first["tier"] == "direct"
    assert any(r.startswith("条件：村级集体经济收入 ≥ 50万元") for r in first["why"])
    assert "村" not in first["matched"] and "以上" not in first["matched"]
    assert "<mark>村</mark>" not in first["title_html"] + first["snippet"]
    assert "村级集体经济收入 ≥ 50万元" in result.words
    ids = [h["id"] for h in result.hits if h["tier"] == "direct"]
    assert "hetian-land-park" not in ids  # 30万元 does not meet the condition


def test_strip_keeps_text_without_conditions():
    assert strip_conditions("光伏 发电", []) == "光伏 发电"


def test_the_generation_derives_its_own_tables_when_it_loads(fixture_services):
    gen = fixture_services.search.generation()
    assert gen.concept_idf and gen.concept_postings and gen.place_re.search("湖南")
    assert [f.value for f in gen.facts["changshui-company"] if f.metric == "income"] == [5, 50]
    before = set(vars(gen))
    run_search(fixture_services.search, parse_query({"q": "地没人种"}))
    assert set(vars(gen)) == before  # search sets nothing on the generation from outside


def test_ten_thousand_without_a_digit_is_read():
    (fig, own), = [(f, o) for f, o in text_figures("该村户均分红近万元。") if f.unit == "万元"]
    assert (fig.value, fig.approx, fig.label, own) == (1.0, "近", "该村户均分红", True)
    (cond,) = read_conditions("户均分红超过1000元")
    facts = [f for f in [make_fact(fig.label, fig.value, fig.unit, fig.metric, None, fig.approx)]
             if f]
    assert satisfies(cond, facts) is not None
