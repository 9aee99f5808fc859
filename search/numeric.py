"""Numeric conditions: "年收入50万元以上", "户均分红超过一千元", "收入翻番" read as conditions on
the figures a case states about itself, by metric.

A condition names a metric (collective income level, its increase or growth, dividend per
household or person, land, households, people), a bound and the words that wrote it. Those
words are taken out of the keyword query: "50万元" and "以上" say nothing about the topic. A
case satisfies a condition from its own figures: the front matter of a library case, or the
figures read from the text at index time for a corpus without front matter (analysis/figures.py),
never a figure its sentence gives for a whole city or county or as an average over villages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field

import cn2an

from analysis.figures import AREA_RE
from casefile.case import format_figure

NUM = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百千]+"
MORE = "超过|超出|多于|高于|大于|不少于|不低于|不下于|至少|达到|逾|超|达"
LESS = "不到|不足|低于|少于|小于|不超过|未达到|未超过|不满|没有|没到"
CONDITION_RE = re.compile(
    rf"(?P<pre>{MORE}|{LESS})?(?P<a>{NUM})(?P<amult>万|亿|千)?"
    rf"(?:(?:-|—|~|～|到|至)(?P<b>{NUM}))?(?P<mult>万|亿|千)?"
    r"(?P<unit>元|块钱|块|亩|户|人|%|个百分点)?"
    r"(?P<post>及以上|以上|之上|多|余|及以下|以下|以内|之内|之间)?")
DOUBLING_RE = re.compile(rf"翻(?:了)?(?P<n>{NUM})?番|(?:增长|增加|提高)(?:了)?(?P<x>{NUM})倍")
MONEY = ("元", "块钱", "块")
MULT = {"万": 10_000, "亿": 100_000_000, "千": 1_000, None: 1}
# Money is compared in 万元 for the collective's income, in 元 for dividends.
METRIC_LABELS = {
    "income": ("村级集体经济收入", "万元"), "income_increase": ("集体经济增收", "万元"),
    "income_growth_pct": ("集体经济收入增长", "%"), "dividend_household": ("户均分红", "元"),
    "dividend_person": ("人均分红", "元"), "dividend": ("分红", "元"), "land": ("土地", "亩"),
    "households": ("户数", "户"), "people": ("人数", "人"),
}
EPSILON = 1e-9
VILLAGE_LABEL_RE = re.compile(r"^(?:\*\*|[\u4e00-\u9fff]{1,5})村")
# A dividend a household or a person takes home is below this; a larger unqualified one is a total.
PER_HEAD_DIVIDEND_MAX = 50_000
EARLIER = "earlier"  # a level the query starts from: no condition, but not keyword words either


@dataclass(frozen=True)
class Condition:
    metric: str
    low: float | None = None  # in the metric's unit (METRIC_LABELS)
    high: float | None = None
    span: tuple[int, int] = (0, 0)  # where the query wrote it
    words: str = ""

    def describe(self) -> str:
        """条件：村级集体经济收入 ≥ 50万元."""
        label, unit = METRIC_LABELS[self.metric]
        if self.metric == "income_growth_pct" and self.low is not None and self.low >= 100:
            return f"村级集体经济收入 ≥ 原来的{self.low / 100 + 1:g}倍（{self.words}）"
        if self.low is not None and self.high is not None:
            return f"{label} {_num(self.low, unit)}–{_num(self.high, unit)}"
        if self.low is not None:
            return f"{label} ≥ {_num(self.low, unit)}"
        return f"{label} ≤ {_num(self.high, unit)}"


def _num(value: float, unit: str) -> str:
    if unit == "元" and value >= 10_000:
        return f"{value / 10_000:g}万元"
    return f"{value:g}{unit}"


@dataclass(frozen=True)
class Fact:
    """One figure of a case in the unit its metric is compared in, and as the source wrote it."""

    metric: str
    value: float
    label: str
    shown: str  # 50万元（报告时）
    year: int | None = None
    above: bool = False  # the source says 余/多/超过/以上: the true value is a little higher


@dataclass
class NumericEvidence:
    met: list[tuple[Condition, Fact]] = field(default_factory=list)
    conditions: int = 0

    @property
    def share(self) -> float:
        return len({c for c, _ in self.met}) / self.conditions if self.conditions else 0.0

    def describe(self) -> list[str]:
        seen, out = set(), []
        for cond, fact in self.met:
            if cond not in seen:
                seen.add(cond)
                out.append(f"条件：{cond.describe()} · 本案例 {fact.shown}")
        return out


def _value(num: str) -> float | None:
    if num[0].isdigit():
        return float(num)
    try:
        return float(cn2an.cn2an(num, "smart"))
    except (ValueError, KeyError):
        return None


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("％", "%")


def read_conditions(text: str) -> list[Condition]:
    """The numeric conditions a query states; spans refer to `normalise(text)`."""
    return [c for c in read_numbers(text) if c.metric != EARLIER]


def read_numbers(text: str) -> list[Condition]:
    """The conditions, and the earlier levels they start from (从不足5万元, metric EARLIER)."""
    text = normalise(text)
    out = []
    for m in CONDITION_RE.finditer(text):
        cond = _condition(text, m)
        if cond is not None:
            out.append(cond)
    for m in DOUBLING_RE.finditer(text):
        if m.group("x"):
            times = _value(m.group("x"))  # 增长2倍: three times the old level
        else:
            n = _value(m.group("n")) if m.group("n") else 1.0  # 翻两番: four times
            times = 2 ** n - 1 if n else None
        if times:
            out.append(Condition("income_growth_pct", low=100 * times, span=m.span(),
                                 words=m.group(0)))
    return out


def _condition(text: str, m: re.Match) -> Condition | None:
    unit, mult, amult = m.group("unit"), m.group("mult"), m.group("amult")
    pre, post, b = m.group("pre"), m.group("post"), m.group("b")
    if not (unit or mult or amult) or (not pre and not post and not b):
        return None  # 750亩 with no bound is a literal, kept for the keyword query
    if pre and not unit and not (mult or amult):
        return None
    start = m.start()
    before = text[max(0, start - 12):start]
    clause = re.split(r"[，,。；;！!？?\s]", before)[-1]
    metric, scale = _metric(text, clause, unit, mult or amult)
    if metric is None:
        return None
    a = _value(m.group("a"))
    if a is None:
        return None
    high_mult = MULT[mult] if mult else MULT[amult]
    a *= MULT[amult] if amult else high_mult
    low = high = None
    if b:
        hi = _value(b)
        if hi is None:
            return None
        low, high = a * scale, hi * high_mult * scale
    elif (pre and re.fullmatch(LESS, pre)) or post in ("以下", "及以下", "以内", "之内"):
        high = a * scale
    else:
        low = a * scale
    return Condition(metric, low, high, m.span(), m.group(0))


def _metric(text: str, clause: str, unit: str | None, mult: str | None
            ) -> tuple[str | None, float]:
    """The metric the number speaks of and the factor into its unit."""
    if unit in MONEY or (unit is None and mult and re.search("收入|收益|分红|元|资金", text)):
        if "分红" in text:
            kind = ("dividend_household" if re.search("户均|每户|一户", text) else
                    "dividend_person" if re.search("人均|每人|每位|一人", text) else "dividend")
            return kind, 1.0
        if re.search("人均|户均", clause):
            return None, 1.0  # farmers' income per head is not the collective's
        if not re.search("收入|收益|创收|增收|营收|经济|赚|挣", text):
            return None, 1.0
        metric = "income"
        bare = re.sub(f"(?:{MORE}|{LESS})$", "", clause)
        if re.search("(?:增收|增加|增长|提高|多收|多赚)了?$", bare):
            metric = "income_increase"
        return metric, 1 / 10_000
    if unit in ("%", "个百分点"):
        return ("income_growth_pct", 1.0) if re.search("增长|增幅|提高|增加", text) else (None, 1.0)
    return {"亩": ("land", 1.0), "户": ("households", 1.0), "人": ("people", 1.0)}.get(
        unit or "", (None, 1.0))


def strip_conditions(text: str, conditions: list[Condition]) -> str:
    """The query without the words of its conditions (they are not keyword evidence)."""
    if not conditions:
        return text
    text = normalise(text)
    for cond in sorted(conditions, key=lambda c: -c.span[0]):
        text = text[:cond.span[0]] + " " + text[cond.span[1]:]
    return re.sub(r"\s+", " ", text).strip()


def fact_metric(label: str, unit: str, metric: str | None) -> tuple[str | None, float]:
    """The condition metric of a figure and the factor into that metric's unit."""
    money = {"元": 1.0, "万元": 10_000.0, "亿元": 100_000_000.0}.get(unit)
    if money is not None and "分红" in label:
        kind = ("dividend_household" if re.search("户均|每户|一户", label) else
                "dividend_person" if re.search("人均|每人|每股|每位", label) else "dividend")
        return kind, money
    if money is not None:
        if re.search("人均|户均|农民|村民|群众|务工", label):
            return None, 1.0
        if metric in ("income", "income_increase"):
            return metric, money / 10_000
        return None, 1.0
    if unit == "%" and metric == "income_growth_pct":
        return metric, 1.0
    if unit == "亩" and metric == "land":
        return "land", 1.0
    if unit == "户" and metric in ("households", "jobs"):
        return "households", 1.0
    if unit == "人" and metric in ("members", "jobs", "count"):
        return "people", 1.0
    return None, 1.0


def make_fact(label: str, value: float, unit: str, metric: str | None, year: int | None,
              approx: str, named: bool = False) -> Fact | None:
    kind, factor = fact_metric(label, unit, metric)
    if kind is None:
        return None
    shown = format_figure(value, unit, approx, year) + ("" if year else "（报告时）")
    if named:
        shown = f"{label.replace('（报告时）', '')} {shown}"
    return Fact(kind, value * factor, label, shown, year,
                above=approx in ("余", "多", "超过", "以上"))


def satisfies(cond: Condition, facts: list[Fact]) -> Fact | None:
    """The case's figure that meets the condition, if any (growth also from income levels)."""
    for fact in facts:
        if _fits(cond, fact):
            return fact
    if cond.metric == "income_growth_pct" and cond.low is not None:
        levels = sorted((f for f in facts if f.metric == "income" and f.year),
                        key=lambda f: f.year)
        latest = [f for f in facts if f.metric == "income" and not f.year] or levels[-1:]
        if levels and latest and levels[0].value > 0:
            growth = 100 * (latest[-1].value / levels[0].value - 1)
            if growth >= cond.low - EPSILON:
                return latest[-1]
    return None


def _fits(cond: Condition, fact: Fact) -> bool:
    wanted = {cond.metric}
    if cond.metric == "dividend":
        wanted |= {"dividend_household", "dividend_person"}
    elif cond.metric.startswith("dividend_") and fact.value < PER_HEAD_DIVIDEND_MAX:
        wanted.add("dividend")  # 分红1200元 without 户均: a household's or a person's share
    if fact.metric not in wanted:
        return False
    value = fact.value + (EPSILON if fact.above else 0.0)
    if cond.low is not None and value < cond.low - EPSILON:
        return False
    return cond.high is None or fact.value <= cond.high + EPSILON


def score_conditions(conditions: list[Condition], facts: dict[str, list[Fact]]
                     ) -> dict[str, NumericEvidence]:
    """Every case meeting at least one condition, with the figures that meet it."""
    out: dict[str, NumericEvidence] = {}
    if not conditions:
        return out
    for slug, held in facts.items():
        for cond in conditions:
            fact = satisfies(cond, held)
            if fact is not None:
                ev = out.setdefault(slug, NumericEvidence(conditions=len(conditions)))
                ev.met.append((cond, fact))
    return out


def case_facts(case, read: list[dict] | None = None) -> list[Fact]:
    """A case's own figures by condition metric: its front matter, else the figures read from
    its text at index time (indexer/build.py; entries of a whole area are left out there).

    A figure labelled as a whole area's or an average (全市33个村…平均) is no village's; an
    overview (综述) speaks of many villages, so only a figure whose label names one village
    (**村集体经济收入) counts there, shown with that label.
    """
    if case.figures:
        items = [(f.label, f.value, f.unit, f.metric, f.year, f.approx) for f in case.figures]
    else:
        items = [(d["label"], d["value"], d["unit"], d["metric"], d.get("year"),
                  d.get("approx", "")) for d in read or ()]
    overview = case.kind == "overview"
    facts = []
    for item in items:
        label = item[0]
        if AREA_RE.search(label) or (overview and not VILLAGE_LABEL_RE.match(label)):
            continue
        fact = make_fact(*item, named=overview)
        if fact is not None:
            facts.append(fact)
    return facts
