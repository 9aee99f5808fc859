"""Numbers the source states, with unit, year, metric, qualifier and the sentence they sit in.

7.5万余亩 becomes 75000 亩 (余); 100万余元 stays 100 万元 (余), as the library writes money;
Chinese numerals count only when written as a quantity (三十余户, 五千条): 一个专班, 两个作用 are
phrases, not facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

UNIT_ALIASES = {"农户": "户", "名": "人", "位": "人", "％": "%"}
UNITS = "亿元|万元|元|亩|农户|户|人|名|位|个|家|处|次|条|支|%|％"
FIGURE_RE = re.compile(
    r"(?P<before>近|约|超过|逾)?"
    r"(?P<num>\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+)"
    r"(?P<mult>万|亿)?(?P<after>余|多)?"
    rf"(?P<unit>{UNITS})?(?P<tail>以上)?")
RANGE_RE = re.compile(r"[\d万亿][-—~～至到]$")  # 30-50万, 30万至50万; not 达到45万元
YEAR_RE = re.compile(r"((?:19|20)\d\d)(?:-((?:19|20)\d\d))?年")
NOW_RE = re.compile(r"至|到|现在|目前|当前|较|比")


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


def _number(num: str) -> float | None:
    if num[0].isdigit():
        return float(num)
    if not re.search("[十百千]", num) or num[0] not in "一二两三四五六七八九十":
        return None  # 一个专班, 两个作用, 千家万户: counting words and idioms, not quantities
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


def _figure(text: str, m: re.Match, sentence_start: int) -> FoundFigure | None:
    context = text[sentence_start:m.end() + 40]
    unit, mult = m.group("unit"), m.group("mult")
    if not unit and mult == "万" and re.search("收入|资金|元", context):
        unit = "元"  # 超过1000万 in a sentence about income: 万元
    if not unit:
        return None
    prev, nxt = text[max(0, m.start() - 1):m.start()], text[m.end():m.end() + 1]
    before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
    if RANGE_RE.search(before) or re.match(r"[-—~～]\d", after):
        return None  # 30-50万的村: a band named in a label, not a figure
    if (prev.isdigit() or prev == ".") or nxt == "+" or text[m.start() - 1:m.start()] == "+":
        return None
    if m.group("tail") and re.match(r"的\d", text[m.end():m.end() + 2]):
        return None  # 100万元以上的2个: a threshold in a label; the count is the figure
    value = _number(m.group("num"))
    if value is None or (unit == "%" and m.group("num")[0] not in "0123456789"):
        return None
    unit = UNIT_ALIASES.get(unit, unit)
    if mult and unit in ("元",):
        unit = mult + "元"
    elif mult:
        value *= 10_000 if mult == "万" else 100_000_000
    approx = m.group("before") or m.group("after") or m.group("tail") or ""
    approx = {"逾": "超过"}.get(approx, approx)
    year = _year_for(text[sentence_start:m.start()])
    label = _label(text, m, sentence_start)
    metric = _metric(unit, label, text[max(0, m.start() - 12):m.start()])
    return FoundFigure(label, round(value, 4), unit, approx, year, metric, m.start(), m.group(0))


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
    left = re.split(r"[，；。：！？]", text[max(sentence_start, m.start() - 60):m.start()])[-1]
    if re.search(r"\d", left):  # 外包租赁村民闲置房屋62户、村级闲置资产5处: one item of a list
        left = left.split("、")[-1]
    later = re.search(rf"(?:从|由)[^，]*?\d+(?:\.\d+)?[万亿]?[余多]?(?:{UNITS})", left)
    if later:  # 收入从2020年的5万元增长至现在的50万元: the later level
        now = re.search("现在|目前|当前", left[later.start():])
        left = left[:later.start()] + ("（报告时）" if now else "（增长后）")
    left = re.sub(r"^(?:比如|例如|其中|目前|同时|今年)", "", left)
    left = re.sub(r"(?:从|由)?(?:19|20)\d\d年(?:的|底|末)?$", "", left)
    left = re.sub(r"(?<![较比与])(?:19|20)\d\d年", "", left)
    left = re.sub(r"(?:的|达|为|至|是)+$", "", left)
    right = re.split(r"[，；。：！？、]", text[m.end():m.end() + 40])[0]
    right = re.split(r"的|\d", right)[0]
    if m.group("unit") == "农户":
        right = "农户" + right
    counted = m.group("unit") in ("个", "支", "家", "处", "条", "次") and not re.match(
        "增|达|为|至|到|以", right)  # 8支 + 专业指导队伍: the noun after a count says what
    label = left + right if len(left) < 4 or (counted and len(right) <= 16) else left
    return label.strip("“”《》 ")[:60] or "数字"


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
