"""Every facet value and figure of a shipped case is backed by the source sentence it cites."""

import os
from pathlib import Path

import pytest

from analysis.analyzer import Analyzer
from casefile.case import Figure
from casefile.parse import CaseFormatError
from casefile.parse import case_files
from casefile.parse import load_case
from casefile.parse import load_vocabulary
from casefile.parse import parse_case_text
from casefile.provenance import check_provenance
from casefile.provenance import figure_problem
from casefile.provenance import names_value

ANALYZER = Analyzer()  # the shipped data files, loaded on first use

SHIPPED = Path(__file__).parent.parent / "cases"
BROKEN = Path(__file__).parent / "fixtures" / "provenance" / "broken-provenance.md"
# The report the shipped cases come from stays outside the repository (internal material).
# CI lays ../shared beside the clone, as on the developers' machines.
SOURCE = Path(os.environ.get("CASEBASE_SOURCE",
                             SHIPPED.parent.parent / "shared" / "source" / "city-report.md"))


def _source_text() -> str | None:
    return SOURCE.read_text(encoding="utf-8") if SOURCE.is_file() else None


@pytest.mark.parametrize("path", case_files(SHIPPED), ids=lambda p: p.stem)
def test_shipped_case_is_backed_by_its_sentences(path):
    case = load_case(path)
    assert case.figures or case.models or case.resources or case.evidence  # something to check
    assert check_provenance(case, _source_text(), analyzer=ANALYZER) == []


def test_shipped_quotes_are_word_for_word_from_the_report():
    text = _source_text()
    if text is None:
        pytest.skip(f"source report not available at {SOURCE}")
    quotes = [q for p in case_files(SHIPPED) for q in _quotes(load_case(p))]
    assert len(quotes) > 60
    assert [q for q in quotes if q not in text] == []


def _quotes(case):
    return [f.quote for f in case.figures] + [e.quote for e in case.evidence]


def test_broken_fixture_fails_for_every_planted_error():
    problems = check_provenance(load_case(BROKEN), source_text=_source_text(), analyzer=ANALYZER)
    text = "\n".join(f"{p.field} {p.reason}" for p in problems)
    assert "source.publisher" in text and "中共**市委组织部" in text
    assert any(p.field == "evidence.industries" and "种植" in p.reason for p in problems)
    assert any(p.field == "evidence.resources" and "劳动力" in p.reason and "没有出处" in p.reason
               for p in problems)
    assert any(p.field == "figures[1]" and "60" in p.reason for p in problems)
    assert any(p.field == "figures[2]" and "近" in p.reason for p in problems)
    assert any(p.field == "figures[3]" and "2021" in p.reason for p in problems)
    assert any(p.field == "figures[4]" and "quote" in p.reason for p in problems)
    assert any(p.field == "evidence.region" and "长湖村" in p.reason for p in problems)
    if _source_text() is not None:  # an invented sentence naming the value is still caught
        assert any(p.field == "quote" and "种上了水稻" in p.reason for p in problems)
    # the supported values raise nothing
    assert not any(p.field == "evidence.models" for p in problems)


@pytest.mark.parametrize("sentence, value, named", [
    ("长湖村通过流转抛荒土地", "土地流转", True),  # each word of the value is in the sentence
    ("长湖村通过流转抛荒土地", "抛荒地", True),  # 抛荒土地 is a synonym
    ("韶峰矿泉水和光伏发电产业帮扶模式", "饮用水", True),  # synonym group of 矿泉水
    ("韶峰矿泉水和光伏发电产业帮扶模式", "资源开发", False),
    ("韶峰矿泉水和光伏发电产业帮扶模式", "光照", False),
    ("吸纳30余农户就业、提供技术支持", "劳动力", False),
    ("吸纳30余农户就业、提供技术支持", "种植", False),
])
def test_names_value(sentence, value, named):
    assert names_value(sentence, value, ANALYZER) is named


@pytest.mark.parametrize("value, unit, approx, quote, ok", [
    (75000, "亩", "余", "流转土地7.5万余亩，新增家庭农场", True),
    (110800, "人", "", "确认集体经济组织成员界定11.08万人；", True),
    (5, "万元", "", "收入从2020年的5万元增长至现在的50万元。", True),
    (5, "万元", "", "收入增长至现在的50万元，2025年", False),  # 5 is not inside 50 or 2025
    (0.5, "万元", "", "收入增长至现在的50万元", False),
    (2, "个", "", "抓好生态农业、研学体验两个领域", True),
    (33, "个", "", "全市三十三个村", True),
    (20, "万元", "近", "增长近20万元。", True),
    (20, "万元", "余", "增长近20万元。", False),
])
def test_figure_number_in_the_source_writing(value, unit, approx, quote, ok):
    fig = Figure("x", float(value), unit, approx=approx, quote=quote)
    assert (figure_problem(fig) is None) is ok


FRONT = """---
id: tiny-case
title: 小案例
kind: case
region: {{village: 长湖村}}
models: [土地流转]
source: {{document: 报告}}
summary: 摘要
{extra}
---
正文
"""


def test_parser_reads_quotes_and_evidence():
    extra = ('figures:\n  - {label: 收入, value: 50, unit: 万元, quote: "收入50万元。"}\n'
             'evidence:\n  models: {土地流转: "流转抛荒土地。"}\n  region: "长湖村通过。"')
    case = parse_case_text(FRONT.format(extra=extra), "tiny.md", load_vocabulary())
    assert case.figures[0].quote == "收入50万元。"
    assert case.evidence_for("models", "土地流转").quote == "流转抛荒土地。"
    assert case.evidence_for("region", "长湖村").quote == "长湖村通过。"


@pytest.mark.parametrize("extra, field", [
    ("evidence:\n  models: {资产盘活: 句子。}", "evidence.models.资产盘活"),  # not a value here
    ("evidence:\n  places: {长湖村: 句子。}", "evidence"),
    ("evidence: [句子]", "evidence"),
    ("evidence:\n  models: {土地流转: [句子]}", "evidence.models.土地流转"),
    ("figures:\n  - {label: 收入, value: 5, unit: 万元, quote: {a: 1}}", "figures[1].quote"),
])
def test_parser_rejects_malformed_provenance(extra, field):
    with pytest.raises(CaseFormatError) as info:
        parse_case_text(FRONT.format(extra=extra), "tiny.md", load_vocabulary())
    assert field in {p.field for p in info.value.problems}


def test_cli_check_reports_provenance_problems():
    from click.testing import CliRunner

    import cli

    sources = ["--source", str(SOURCE)] if SOURCE.is_file() else []
    good = CliRunner().invoke(cli.main, ["check", str(SHIPPED), "--provenance", *sources])
    assert good.exit_code == 0, good.output
    bad = CliRunner().invoke(cli.main, ["check", str(BROKEN.parent), "--provenance"])
    assert bad.exit_code == 1
    assert "“种植”" in bad.output and "中共**市委组织部" in bad.output
    plain = CliRunner().invoke(cli.main, ["check", str(BROKEN.parent)])  # format only
    assert plain.exit_code == 0, plain.output
