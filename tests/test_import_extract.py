"""What the importer reads out of sentences: figures as the library writes them (a table of
the ways reports write numbers), and places through the gazetteer."""

from __future__ import annotations

import pytest

from analysis.analyzer import Analyzer
from analysis.figures import figures_in
from analysis.vocabulary import load_vocabulary
from casefile.parse import parse_case_text
from casefile.provenance import check_provenance
from importer import import_text

ANALYZER = Analyzer()  # the shipped data files, loaded on first use


def found(sentence: str) -> list[tuple]:
    return [(f.value, f.unit, f.approx, f.year, f.metric)
            for f in figures_in(sentence, 0, len(sentence), 0)]


@pytest.mark.parametrize("sentence, expected", [
    ("流转土地7.5万余亩。", [(75000, "亩", "余", None, "land")]),
    ("确认集体经济组织成员界定11.08万人；", [(110800, "人", "", None, "members")]),
    ("清理集体经济组织资产8.06亿元。", [(8.06, "亿元", "", None, "assets")]),
    ("为村级集体经济创收100万余元；", [(100, "万元", "余", None, "income_increase")]),
    ("助推村集体经济收入增长近20万元。", [(20, "万元", "近", None, "income_increase")]),
    ("**村集体经济收入超过1000万。", [(1000, "万元", "超过", None, "income")]),
    ("80%以上群众参与到乡村基础设施建设。", [(80, "%", "以上", None, "other")]),
    ("较2019年增长48%。", [(48, "%", "", None, "other")]),
    ("村级集体经济较2019年增长48%。", [(48, "%", "", None, "income_growth_pct")]),
    ("吸纳三十余户农户就业。", [(30, "户", "余", None, "jobs")]),
    ("吸纳30余农户就业。", [(30, "户", "余", None, "jobs")]),
    ("选派89名科技特派员。", [(89, "人", "", None, "count")]),
    ("收入从2020年的5万元增长至现在的50万元。",
     [(5, "万元", "", 2020, "income"), (50, "万元", "", None, "income")]),
    ("村集体经济收入达到45万元。", [(45, "万元", "", None, "income")]),
    ("2022年新增收入30-50万的村4个、100万元以上的2个。",
     [(4, "个", "", 2022, "count"), (2, "个", "", 2022, "count")]),
    ("实行“一个专班、一张清单、一支队伍”，发挥“两个作用”。", []),
    ("银田村“1+2+N”经验全省推广。", []),
    ("1921年建村，2020年清零。", []),
    ("惠及千家万户，百家争鸣。", []),
    ("带动一千余户增收。", [(1000, "户", "余", None, "households")]),
])
def test_figures_from_report_wording(sentence, expected):
    assert found(sentence) == expected


def test_county_township_and_village_come_from_the_mention_and_the_gazetteer():
    text = ("湖南省部分村集体经济发展情况\n"
            "比如，长沙县果园镇浔龙河村依托生态资源发展乡村旅游，村集体经济收入达到300万元。\n"
            "同时，平江县某某镇大坪村流转土地500余亩，在长沙市获宣传推介。\n"
            "全市33个村全部清零，正在朝着村强民富的目标前行。\n")
    vocab = load_vocabulary()
    result = import_text(text, "report.txt", vocab, analyzer=ANALYZER)
    regions = [d.meta["region"] for d in result.drafts]
    assert regions == [
        {"province": "湖南省", "city": "长沙市", "county": "长沙县", "township": "果园镇",
         "village": "浔龙河村"},
        {"province": "湖南省", "city": "岳阳市", "county": "平江县", "township": "某某镇",
         "village": "大坪村"},
    ]
    for draft in result.drafts:
        case = parse_case_text(draft.markdown(), draft.slug, vocab)
        assert check_provenance(case, text, analyzer=ANALYZER) == []
        assert case.region.village in draft.meta["evidence"]["region"]


def drafts_of(text: str, name: str) -> list[tuple]:
    result = import_text(text, name, load_vocabulary(), analyzer=ANALYZER)
    return [(d.kind, d.meta["title"], sorted((f["value"], f["unit"])
                                            for f in d.meta.get("figures", [])))
            for d in result.drafts]


def test_numbered_village_sections_are_cases_not_lines_of_work():
    text = ("# 某县典型案例\n## 一、长湖村：流转抛荒地\n该村通过流转抛荒土地，吸纳30余农户就业。\n"
            "## 二、瓦坪村：村社联营\n推行“村社联营”模式，村集体经济收入增长近20万元。\n")
    assert drafts_of(text, "cases.md") == [
        ("case", "长湖村：流转抛荒地", [(30, "户")]),
        ("case", "瓦坪村：村社联营", [(20, "万元")]),
    ]


def test_only_the_outermost_numbering_makes_lines_of_work():
    text = ("一、抓三资盘活，提升内生力。\n（一）摸清家底。清理资产8.06亿元。\n"
            "（二）盘活资产。流转土地7.5万余亩。\n二、抓群众参与。\n（一）强化村民自治。80%以上群众参与。\n"
            "比如，长湖村通过流转抛荒土地，吸纳30余农户就业。\n")
    assert drafts_of(text, "report.txt") == [
        ("practice", "抓三资盘活，提升内生力", [(8.06, "亿元"), (75000, "亩")]),
        ("practice", "抓群众参与", [(80, "%")]),
        ("case", "长湖村：通过流转抛荒土地", [(30, "户")]),
    ]


@pytest.mark.parametrize("line, village", [
    ("长湖村党支部领办合作社，流转土地300亩。", "长湖村"),
    ("瓦坪村两委班子带领群众发展产业，村集体经济收入达到30万元。", "瓦坪村"),
    ("目前，强化村党组织建设，全市村两委换届完成，流转土地300亩。", None),
    ("典型村情况如下，流转土地300亩。", None),
    ("正在朝着村强民富的目标前行，流转土地300亩。", None),
])
def test_which_clause_openings_name_a_village(line, village):
    text = f"一、抓组织建设。\n{line}\n二、抓产业发展。\n流转土地500亩。\n"
    result = import_text(text, "report.txt", load_vocabulary(), analyzer=ANALYZER)
    found = [d.meta["region"].get("village") for d in result.drafts if d.kind == "case"]
    assert found == ([village] if village else [])
