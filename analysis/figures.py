"""Numbers the source states, with unit, year, metric, qualifier and the sentence they sit in.

One table (`WORDINGS` below) says every way of writing a qualifier and a unit that the reader
knows; the pattern is built from it and tests/test_figures_table.py reads it both ways (each
wording is read from a sentence, and the figure read is backed by that sentence under the
provenance check). 7.5万余亩 becomes 75000 亩 (余); 100万余元 stays 100 万元 (余), as the library
writes money; 50万余人次 is 500000 人次, not 人; a bare 万 is 万元 only where the clause is
about money (300多万的收入, 近40万分红). Chinese numerals count only when written as a quantity
(三十余户, 两万元, 百亩, 过千万元): 一个专班, 两个作用, 千家万户 are phrases, and 第十三次 an
ordinal, not facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

# ---- the table of wordings -----------------------------------------------------------------
# qualifier as written -> (where it stands, what it means). Kept as written in `approx`, so the
# provenance check finds it in the quote (突破 stays 突破; 超过了 is 超过).
QUALIFIERS = {
    "将近": ("before", "about"), "接近": ("before", "about"), "近": ("before", "about"),
    "约": ("before", "about"), "超过": ("before", "more"), "突破": ("before", "more"),
    "逾": ("before", "more"), "超": ("before", "more"), "过": ("before", "more"),
    "不足": ("before", "less"), "不到": ("before", "less"), "低于": ("before", "less"),
    "余": ("after", "more"), "多": ("after", "more"),
    "以上": ("tail", "more"), "左右": ("tail", "about"), "以下": ("tail", "less"),
}
# unit as written -> unit the library writes (money keeps 万/亿 in the unit; others multiply)
UNITS_WRITTEN = {
    "元": "元", "块钱": "元", "亩": "亩", "户": "户", "农户": "户", "人次": "人次", "人": "人",
    "名": "人", "位": "人", "口": "口", "头": "头", "个": "个", "家": "家", "处": "处", "次": "次",
    "条": "条", "支": "支", "间": "间", "座": "座", "吨": "吨", "茬": "茬", "种": "种", "段": "段",
    "倍": "倍", "%": "%", "％": "%", "平方米": "平方米", "平方公里": "平方公里", "千瓦时": "千瓦时",
    "千瓦": "千瓦", "辆": "辆", "台": "台", "套": "套", "项": "项", "栋": "栋", "公斤": "公斤",
    "株": "株",
}
MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
# words that make a bare 万/亿 money (近40万分红, 300多万的收入)
MONEY_WORDS = ("收入", "资金", "分红", "收益", "租金", "投资", "资产", "利润", "营业额", "销售额",
               "产值", "效益", "补助", "经费", "奖励", "入股", "创收", "增收", "贷款", "钱", "元")
# a qualifier 过 is a verb's second character after these (通过, 经过, 超过 is its own word)
_GUO_VERBS = "通经度越跨透不错难路放改做看想到为"

# ---- the pattern, built from the table -----------------------------------------------------


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_BEFORE = _alternation(w for w, (pos, _) in QUALIFIERS.items() if pos == "before")
_AFTER = _alternation(w for w, (pos, _) in QUALIFIERS.items() if pos == "after")
_TAIL = _alternation(w for w, (pos, _) in QUALIFIERS.items() if pos in ("tail", "after"))
UNITS = _alternation(UNITS_WRITTEN)
FIGURE_RE = re.compile(
    rf"(?:(?P<before>{_BEFORE})了?)?"
    r"(?P<num>\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
    rf"(?P<after>{_AFTER})?(?P<mult>[万亿])?(?P<after2>{_AFTER})?"
    rf"(?P<unit>{UNITS})?(?P<tail>{_TAIL})?")
RANGE_RE = re.compile(r"[\d万亿][-—–~～至到]$")  # 30-50万, 30万至50万; not 达到45万元
YEAR_RE = re.compile(r"((?:19|20)\d\d)(?:-((?:19|20)\d\d))?年")
NOW_RE = re.compile(r"至|(?<![达得])到|现在|目前|当前|较|比")
_CLAUSE_END = re.compile(r"[，；。！？,;!?：:]")


@dataclass(frozen=True)
class FoundFigure:
    label: str
    value: float
    unit: str
    approx: str
    year: int | None
    metric: str
    start: int  # offset of the written figure in the source text
    written: str  # the figure as the source writes it (7.5万余亩)
    end: int = 0  # offset just past the written figure
    qualifier_class: str = ""  # more | about | less, from the table ("" when none)


def _number(num: str, mult: str | None, unit: str | None) -> float | None:
    if num[0].isdigit():
        return float(num)
    if num in ("百", "千"):  # 百亩, 过千万元, 百万元: a round figure; 百家争鸣 is not one
        return {"百": 100.0, "千": 1000.0}[num] if (mult or unit == "亩") else None
    if len(num) == 1 and num in "一二两三四五六七八九":  # 两万元, 三万亩; not 两个作用
        return float(cn2an.cn2an(num, "smart")) if mult else None
    if not re.search("[十百千]", num) or num[0] not in "一二两三四五六七八九十":
        return None  # 一个专班, 千家万户: counting words and idioms, not quantities
    if re.search("[一二两三四五六七八九]{2}", num):
        return None  # 七八万, 三四个: a span of two numbers, not one figure
    try:
        return float(cn2an.cn2an(num, "smart"))
    except (ValueError, KeyError):
        return None


def figures_in(text: str, start: int, end: int, sentence_start: int) -> list[FoundFigure]:
    """Every figure in text[start:end], which lies in the sentence starting at `sentence_start`."""
    found = []
    for m in FIGURE_RE.finditer(text, start, end):
        fig = _figure(text, m, sentence_start)
        if fig:
            found.append(fig)
    return found


def _clause_around(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _CLAUSE_END.finditer(text, max(0, start - 40), start)),
               default=max(0, start - 40))
    right = _CLAUSE_END.search(text, end, end + 40)
    return text[left:right.start() if right else end + 40]


def _before_word(text: str, m: re.Match) -> str:
    """The qualifier before the number, unless it is part of a longer word (通过5个 is not 过)."""
    before = m.group("before") or ""
    if before == "过" and text[m.start() - 1:m.start()] in _GUO_VERBS:
        return ""
    if before == "超" and text[m.start() - 1:m.start()] in "赶":
        return ""
    return before


def _figure(text: str, m: re.Match, sentence_start: int) -> FoundFigure | None:
    num, mult = m.group("num"), m.group("mult")
    unit = m.group("unit")
    before = _before_word(text, m)
    begin = m.start("num") if m.group("before") and not before else m.start()
    if not unit and mult and any(w in _clause_around(text, m.start(), m.end())
                                 for w in MONEY_WORDS):
        unit = "元"  # 超过1000万 in a sentence about income: 万元
    if not unit:
        return None
    n0 = m.start("num")
    prev, nxt = text[max(0, n0 - 1):n0], text[m.end():m.end() + 1]
    if prev == "第" or (prev and (prev.isdigit() or prev in ".+")) or nxt == "+":
        return None  # 第十三次: an ordinal; 1+2+N: a slogan
    if RANGE_RE.search(text[max(0, n0 - 2):n0]) or re.match(r"[-—–~～]\d", nxt + text[
            m.end() + 1:m.end() + 2]):
        return None  # 30-50万的村: a band named in a label, not a figure
    if m.group("tail") in ("以上", "以下") and re.match(r"的\d", text[m.end():m.end() + 2]):
        return None  # 100万元以上的2个: a threshold in a label; the count is the figure
    value = _number(num, mult, unit)
    if value is None or (unit in ("%", "％") and not num[0].isdigit()):
        return None
    unit = UNITS_WRITTEN.get(unit, unit)
    if unit == "元" and mult:
        unit = mult + "元"
        if num == "千":  # 过千万元: 1000 万元
            value = 1000.0
    elif mult:
        value *= MULTIPLIERS[mult]
    tail = m.group("tail") or ""
    approx = before or m.group("after") or m.group("after2") or tail
    klass = QUALIFIERS[approx][1] if approx else ""
    year = _year_for(text[sentence_start:begin])
    label = _label(text, m, sentence_start)
    metric = _metric(unit, label, text[max(0, begin - 12):begin])
    return FoundFigure(label, round(value, 4), unit, approx, year, metric, begin,
                       text[begin:m.end()], m.end(), klass)


def _year_for(before: str) -> int | None:
    """The year stated earlier in the same sentence, unless the number is a later level
    (从2020年的5万元增长至50万元) or compared with it (较2019年增长48%)."""
    years = list(YEAR_RE.finditer(before))
    if not years:
        return None
    last = years[-1]
    baseline = before[:last.start()].endswith(("较", "比", "与"))
    later = NOW_RE.search(before[last.end():])
    if not 1949 <= int(last.group(1)) <= 2100 or last.group(2) or later or baseline:
        return None
    return int(last.group(1))


def _label(text: str, m: re.Match, sentence_start: int) -> str:
    """What the number counts, in the source's words around it (the editor shortens it)."""
    left = re.split(r"[，；。：！？,;:!?]", text[max(sentence_start, m.start() - 60):m.start()])[-1]
    if re.search(r"\d", left):  # 外包租赁村民闲置房屋62户、村级闲置资产5处: one item of a list
        left = left.split("、")[-1]
    later = re.search(rf"(?:从|由)[^，,]*?\d+(?:\.\d+)?[万亿]?[余多]?(?:{UNITS})", left)
    if later:  # 收入从2020年的5万元增长至现在的50万元: the later level
        now = re.search("现在|目前|当前", left[later.start():])
        left = left[:later.start()] + ("（报告时）" if now else "（增长后）")
    left = re.sub(r"^(?:比如|例如|其中|目前|同时|今年)", "", left)
    left = re.sub(r"(?:从|由)?(?:19|20)\d\d年(?:的|底|末)?$", "", left)
    left = re.sub(r"(?<![较比与])(?:19|20)\d\d年", "", left)
    left = re.sub(r"(?:的|达|为|至|是)+$", "", left)
    right = re.split(r"[，；。：！？、,;:!?]", text[m.end():m.end() + 40])[0]
    right = re.split(r"的|\d", right)[0]
    if m.group("unit") == "农户":
        right = "农户" + right
    counted = m.group("unit") in ("个", "支", "家", "处", "条", "次", "间", "座", "种", "口",
                                  "头", "项") and not re.match("增|达|为|至|到|以", right)
    label = left + right if len(left) < 4 or (counted and len(right) <= 16) else left
    return label.strip("“”《》‘’\"' ")[:60] or "数字"


def _metric(unit: str, label: str, before: str) -> str:
    if unit == "%":
        return "income_growth_pct" if "增长" in label and "经济" in label else "other"
    if unit in ("万元", "亿元", "元"):
        if "资产" in label:
            return "assets"
        if re.search(r"(创收|增收|增长|增加|增长了)$", before.rstrip("近约超过")):
            return "income_increase"
        return "income" if re.search("收入", label) else "other"
    if unit == "亩":
        return "land"
    if unit == "户":
        return "jobs" if "就业" in label else "households"
    if unit == "人":
        return "members" if "成员" in label else ("jobs" if "就业" in label else "count")
    return "count"


SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+")
# A figure of a whole city, county or township, or an average over villages: not one village's.
AREA_RE = re.compile(r"全(?:省|市|州|盟|县|区|旗|镇|乡)|村均|平均|各村|所有村|\d+个(?:行政)?村")
CLAUSE_RE = re.compile(r"[^，,：:]*$")


# 户均分红近万元, 每年有上万元收入: ten thousand written without a digit.
WAN_RE = re.compile(r"(?P<before>近|上|逾|超)万元")


def text_figures(text: str) -> list[tuple[FoundFigure, bool]]:
    """Every figure of a plain text, sentence by sentence, and whether it is the village's own
    (False when its sentence speaks of a whole city or county or of an average over villages)."""
    out = []
    for s in SENTENCE_RE.finditer(text):
        found = figures_in(text, s.start(), s.end(), s.start())
        for m in WAN_RE.finditer(text, s.start(), s.end()):
            label = CLAUSE_RE.search(text, s.start(), m.start()).group(0).strip("“”《》 ")
            label = re.sub(r"(?:的|达|为|至|是|有|达到)+$", "", label)[-30:] or "数字"
            approx = "近" if m.group("before") == "近" else "超过"
            found.append(FoundFigure(label, 1.0, "万元", approx, None,
                                     _metric("万元", label, text[max(0, m.start() - 12):m.start()]),
                                     m.start(), m.group(0)))
        for fig in found:
            clause = CLAUSE_RE.search(text, s.start(), fig.start)
            out.append((fig, not AREA_RE.search(clause.group(0))))
    return out
