"""Figures as the library writes them, from the ways reports write numbers (a table)."""

from __future__ import annotations

import pytest

from importer.figures import figures_in


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
])
def test_figures_from_report_wording(sentence, expected):
    assert found(sentence) == expected
