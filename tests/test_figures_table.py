"""The figure reader's one table of wordings, read both ways.

Each row is a sentence as reports write it and the figures the reader must take from it (none for
the wordings that are not figures). Every figure read must then be backed by its own sentence
under the provenance check, so a draft made from it passes `casebase check --provenance`. Every
qualifier and unit of the reader's table has a row here, and the case-file parser accepts each.
"""

from __future__ import annotations

import pytest

from analysis.figures import QUALIFIERS
from analysis.figures import UNITS_WRITTEN
from analysis.figures import figures_in
from analysis.vocabulary import load_vocabulary
from casefile.case import QUALIFIERS as CASE_QUALIFIERS
from casefile.case import Figure
from casefile.provenance import figure_problem

# (sentence, [(value, unit, approx, year)])
WORDINGS = [
    # qualifiers, as written
    ("收入近20万元。", [(20, "万元", "近", None)]),
    ("流转将近300亩建设用地。", [(300, "亩", "将近", None)]),
    ("接近50户参与。", [(50, "户", "接近", None)]),
    ("投资约3亿元。", [(3, "亿元", "约", None)]),
    ("全村人均年收入超过了3万元。", [(3, "万元", "超过", None)]),
    ("收入全部超5万元。", [(5, "万元", "超", None)]),
    ("集体经济收入突破100万元。", [(100, "万元", "突破", None)]),
    ("集体经济收入过千万元。", [(1000, "万元", "过", None)]),
    ("收入全部过5万元。", [(5, "万元", "过", None)]),
    ("带动逾百户增收。", []),
    ("带动逾200户增收。", [(200, "户", "逾", None)]),
    ("收入不足5万元。", [(5, "万元", "不足", None)]),
    ("村民不到30人。", [(30, "人", "不到", None)]),
    ("收入低于3万元。", [(3, "万元", "低于", None)]),
    ("流转土地750余亩。", [(750, "亩", "余", None)]),
    ("种植90多亩。", [(90, "亩", "多", None)]),
    ("平均每村9.7万多元。", [(9.7, "万元", "多", None)]),
    ("旅游综合收入800余万元。", [(800, "万元", "余", None)]),
    ("80%以上群众参与。", [(80, "%", "以上", None)]),
    ("承包租金每年1600万元左右。", [(1600, "万元", "左右", None)]),
    ("收入5万元以下。", [(5, "万元", "以下", None)]),
    ("比2018年增加3倍多。", [(3, "倍", "多", None)]),
    # units
    ("接待游客50万余人次。", [(500000, "人次", "余", None)]),
    ("服务500余人次。", [(500, "人次", "余", None)]),
    ("吸纳2309名村民。", [(2309, "人", "", None)]),
    ("有3位代表发言。", [(3, "人", "", None)]),
    ("新增家庭农场652家。", [(652, "家", "", None)]),
    ("培育40余个项目。", [(40, "个", "余", None)]),
    ("存栏生猪5000头。", [(5000, "头", "", None)]),
    ("新挖鱼塘3口。", [(3, "口", "", None)]),
    ("34间铺面出租。", [(34, "间", "", None)]),
    ("建成184座光伏电站。", [(184, "座", "", None)]),
    ("年成交量9万多吨。", [(90000, "吨", "多", None)]),
    ("一亩地采收5茬。", [(5, "茬", "", None)]),
    ("探索出9种增收模式。", [(9, "种", "", None)]),
    ("攀爬17段藤梯。", [(17, "段", "", None)]),
    ("拥有400多平方米的服务中心。", [(400, "平方米", "多", None)]),
    ("面积12平方公里。", [(12, "平方公里", "", None)]),
    ("装机容量10993千瓦。", [(10993, "千瓦", "", None)]),
    ("发电量1772万千瓦时。", [(17720000, "千瓦时", "", None)]),
    ("购置农机12台、货车3辆。", [(12, "台", "", None), (3, "辆", "", None)]),
    ("建设大棚20套、厂房2栋。", [(20, "套", "", None), (2, "栋", "", None)]),
    ("实施项目5项。", [(5, "项", "", None)]),
    ("收购茶叶3000公斤、苗木5000株。", [(3000, "公斤", "", None), (5000, "株", "", None)]),
    ("选派89名科技特派员，确认成员11.08万人。", [(89, "人", "", None), (110800, "人", "", None)]),
    ("吸纳30余农户就业。", [(30, "户", "余", None)]),
    ("每年能挣8万块钱。", [(8, "万元", "", None)]),
    ("以每亩地700元租金承包。", [(700, "元", "", None)]),
    ("组建8支专业队伍，开设40余次培训，解决问题420条，盘活5处闲置资产。",
     [(8, "支", "", None), (40, "次", "余", None), (420, "条", "", None), (5, "处", "", None)]),
    # a bare 万 is money only where the clause is about money
    ("农场每年有300多万的收入。", [(300, "万元", "多", None)]),
    ("每年要给村上近40万分红。", [(40, "万元", "近", None)]),
    ("种植面积达到3万。", []),
    # Chinese numerals as quantities, and phrases that are not
    ("户均增收达两万元。", [(2, "万元", "", None)]),
    ("引进百亩草莓种植基地。", [(100, "亩", "", None)]),
    ("吸纳三十余户农户就业。", [(30, "户", "余", None)]),
    ("实行“一个专班、一张清单”，发挥“两个作用”。", []),
    ("惠及千家万户，百家争鸣。", []),
    ("每年能挣七八万块钱。", []),
    ("第十三次党代会召开。", []),
    ("通过5个试点推进。", [(5, "个", "", None)]),
    ("银田村“1+2+N”经验全省推广。", []),
    # years within the sentence
    ("2020年,塔元庄村接待游客50万余人次,旅游综合收入800余万元。",
     [(500000, "人次", "余", 2020), (800, "万元", "余", 2020)]),
    ("该村到账的集体收入已达10.37万元,比2018年增加8万多元。",
     [(10.37, "万元", "", None), (8, "万元", "多", None)]),
    ("占地700余亩的示范园于2022年10月开工建设。", [(700, "亩", "余", None)]),
    ("今年收入便达19.1万多元。", [(19.1, "万元", "多", None)]),
    ("2023年将继续扩大种植,预计年收入能达到30万元。", [(30, "万元", "", 2023)]),
    ("收入从2020年的5万元增长至现在的50万元。", [(5, "万元", "", 2020), (50, "万元", "", None)]),
    # bands and thresholds are labels, not figures
    ("新增收入30-50万的村4个、100万元以上的2个。", [(4, "个", "", None), (2, "个", "", None)]),
    ("年经营性收入达10万-30万元的村数最多。", []),
]


def read(sentence: str) -> list:
    return figures_in(sentence, 0, len(sentence), 0)


@pytest.mark.parametrize("sentence, expected", WORDINGS, ids=[w[0][:14] for w in WORDINGS])
def test_each_wording_is_read_and_backed_by_its_sentence(sentence, expected):
    found = read(sentence)
    assert [(f.value, f.unit, f.approx, f.year) for f in found] == expected
    for f in found:  # the other way: the figure as a draft writes it is backed by the sentence
        fig = Figure(f.label, f.value, f.unit, f.year, f.metric, f.approx, sentence)
        assert figure_problem(fig) is None, (sentence, f)
        assert sentence[f.start:f.end] == f.written


def test_the_table_is_covered_and_the_case_files_accept_it():
    read_units = {f.unit for s, _ in WORDINGS for f in read(s)}
    written = {u for s, _ in WORDINGS for u in UNITS_WRITTEN if u in s}
    assert set(UNITS_WRITTEN.values()) <= read_units
    assert set(UNITS_WRITTEN) - {"％"} <= written
    read_quals = {f.approx for s, _ in WORDINGS for f in read(s)}
    assert set(QUALIFIERS) <= read_quals
    assert set(QUALIFIERS) <= set(CASE_QUALIFIERS)
    units = load_vocabulary().units
    assert set(UNITS_WRITTEN.values()) | {"万元", "亿元"} <= units
