"""Reports written by others: every village a draft names is a place the text writes, each figure
goes to the place it is said of, page chrome stays out. All texts here are made up for the test."""

from __future__ import annotations

import docx
import pytest

from analysis.analyzer import Analyzer
from analysis.vocabulary import load_vocabulary
from importer import import_file
from importer import import_text
from importer.chrome import drop_chrome
from importer.places import find_mentions

ANALYZER = Analyzer()  # the shipped data files, loaded on first use


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def cases(text: str, vocab, name: str = "report.txt") -> dict[str, list]:
    result = import_text(text, name, vocab, analyzer=ANALYZER)
    out = {}
    for d in result.drafts:
        if d.kind == "case":
            key = d.meta["region"].get("village") or d.meta["region"].get("township")
            out[key] = sorted((f["value"], f["unit"], f.get("approx", ""), f.get("year"))
                              for f in d.meta.get("figures", []))
    return out


@pytest.mark.parametrize("sentence, name", [
    ("云南省普洱市思茅区南屏镇甲坪村村集体通过流转土地,收入10万元。", "甲坪村"),
    ("上午9时,剑川县老君山镇青松村农贸市场开市,摊位60个。", "青松村"),
    ("在七汲镇王村,蔬菜大棚1000余个。", "王村"),
    ("比如,**村盘活村部,收入20万元。", "**村"),
])
def test_villages_after_a_full_prefix_or_a_township_are_found(sentence, name):
    names = [m.name for m in find_mentions(sentence) if m.role == "subject"]
    assert names == [name]


@pytest.mark.parametrize("sentence", [
    "创新村村联建,收入10万元。",
    "鼓励村(社区)入股,收入10万元。",
    "该村成为“中国乡村旅游模范村”,收入10万元。",
    "平均每村9.7万多元。",
    "一些村收入不足3万元。",
    "目前全镇收入100万元。",
    "“我们村收入10万元。”",
    "积极探索村集体增收新途径,收入10万元。",
])
def test_ordinary_words_never_become_villages(sentence, vocab):
    text = f"一、抓产业。\n{sentence}\n二、抓队伍。\n流转土地500亩。\n"
    assert cases(text, vocab) == {}


def test_each_figure_goes_to_the_village_its_clause_names(vocab):
    text = ("青山县绿水镇壮大集体经济,全镇收入500万元。\n"
            "其中,甲坪村发展民宿,增收34万元,乙坪村流转土地200亩,该村收入12万元。\n"
            "该镇丙坪村建起市场,34间铺面出租。\n")
    found = cases(text, vocab)
    assert found["甲坪村"] == [(34, "万元", "", None)]
    assert found["乙坪村"] == [(12, "万元", "", None), (200, "亩", "", None)]
    assert found["丙坪村"] == [(34, "间", "", None)]
    assert found["绿水镇"] == [(500, "万元", "", None)]


def test_a_quotation_belongs_to_its_speaker_and_a_county_to_nobody(vocab):
    text = ("“去年,我们村集体经济收入超过15万元。”青山县绿水镇甲坪村党支部书记某某介绍。\n"
            "2019年,总投资6211万元的电站落户青山。青山县将电站资产确权至40个行政村。\n")
    assert cases(text, vocab) == {"甲坪村": [(15, "万元", "超过", None)]}


def test_numbered_compilation_with_the_name_on_its_own_line(vocab):
    text = ("NO.01\n甲坪村\n该村流转土地300亩,村集体年收入达到20万元。\n主要做法\n"
            "成立合作社,吸纳农户50户。\nNO.02\n乙坪村\n村集体经济收入突破100万元。\n")
    found = cases(text, vocab)
    assert found["甲坪村"] == [(20, "万元", "", None), (50, "户", "", None), (300, "亩", "", None)]
    assert found["乙坪村"] == [(100, "万元", "突破", None)]


def test_hard_line_breaks_are_joined_before_sentences_are_cut(vocab):
    text = ("某县典型案例汇编\n"
            "比如，甲坪村依托山林资源发展林下种植，带动农户增收，村集体经济收\n"
            "入从2020年的5万元增长至现在的50万元，吸纳本村劳动力三十余人就\n"
            "业，成为远近闻名的林下经济示范村。乙坪村流转土地200亩。\n")
    result = import_text(text, "report.txt", vocab, analyzer=ANALYZER)
    assert "村集体经济收入从2020年的5万元" in result.source_text
    assert result.drafts[0].meta["source"]["document"] == "某县典型案例汇编"
    assert any("取自文中的标题" in w for w in result.warnings)


def test_terrain_is_never_read_from_a_place_name(vocab):
    text = "一、抓产业。\n青松山村流转土地300亩,发展林下种植。\n二、抓队伍。\n流转土地500亩。\n"
    result = import_text(text, "report.txt", vocab, analyzer=ANALYZER)
    assert all("terrain" not in d.meta for d in result.drafts)


def test_page_chrome_lines_are_dropped():
    lines = ["首页", "要闻", "集体经济", "政策法规", "当前位置：首页 > 地方实践",
             "甲坪村流转土地300亩,村集体收入20万元。", "（责任编辑：某某）", "相关新闻",
             "某县推行村党支部领办合作社", "某镇 村村联合实现集体经济“齐步走”",
             "Copyright © 2012-2025 某网 版权所有", "苏ICP备13000000号-2"]
    assert drop_chrome(lines) == ["甲坪村流转土地300亩,村集体收入20万元。"]


def test_web_page_title_and_chrome(vocab, tmp_path):
    page = ("<html><head><title>乡镇动态_某县人民政府</title></head><body>"
            "<nav><a>首页</a><a>政务公开</a></nav><div class='article'>"
            "<p>近年来,青山县绿水镇发展集体经济,全镇收入500万元。</p>"
            "<p>甲坪村流转土地300亩,村集体收入20万元,带动农户增收,成为远近闻名的富裕村。"
            "</p>"
            "</div><div><h4>相关信息</h4><ul><li><a>某县推行村党支部领办合作社壮大村级经济</a></li>"
            "<li><a>某镇某某村 村村联合实现集体经济5万元</a></li></ul></div>"
            "<div><p>主办：某县人民政府办公室</p><p>蜀ICP备05000000号</p></div></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert "相关信息" not in result.source_text and "ICP" not in result.source_text
    assert result.drafts[0].meta["source"]["document"] != "乡镇动态"  # a column's name
    names = {d.meta["region"].get("village") or d.meta["region"].get("township")
             for d in result.drafts if d.kind == "case"}
    assert names == {"绿水镇", "甲坪村"}


def test_word_title_comes_from_its_properties(vocab, tmp_path):
    document = docx.Document()
    document.core_properties.title = "某县集体经济发展报告"
    document.add_heading("第一部分", level=1)
    document.add_paragraph("比如,甲坪村流转土地300亩,村集体收入20万元。")
    path = tmp_path / "report.docx"
    document.save(str(path))
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert result.drafts[0].meta["source"]["document"] == "某县集体经济发展报告"
    assert not any("取自文中" in w for w in result.warnings)


def test_drafts_are_checked_against_the_source(vocab):
    text = ("一、抓产业。\n比如,甲坪村流转土地300亩,村集体收入20万元。\n"
            "二、抓队伍。\n选派干部5人。\n")
    result = import_text(text, "report.txt", vocab, analyzer=ANALYZER)
    assert not any("出处有误" in w for w in result.warnings)
