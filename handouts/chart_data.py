"""The numbers behind the income charts, taken from a case's figures as the source states them.

Three kinds of figure, never mixed on one chart: income levels (metric `income`, 收入 in a year
or at the time of the report), amounts added (`income_increase`, in the source's own word: 增收
or 创收) and growth rates (`income_growth_pct`). An overview's income figures describe different
villages (an average, one named village), so they are not drawn as one village's levels.
`income_row` is the one line of text per case (before, after, change) that tables show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casefile.case import format_figure

NOW = "报告时"


@dataclass(frozen=True)
class Bar:
    group: str  # the case's short name; empty for a one-series chart
    label: str  # 2020年, 报告时, 增收
    value: float
    text: str  # the value as the source writes it: 100万余元, 近20万元
    kind: str  # before, after, increase, count


@dataclass(frozen=True)
class IncomeRow:
    """One case's line of the chart's text-equivalent table."""

    case_id: str
    name: str
    before: str  # e.g. 5万元（2020年）; empty when not stated
    after: str
    change: str  # 增加45万元，为2020年的10倍 / 增长近20万元 / 较2019年增长48%
    bars: tuple[Bar, ...]
    note: str = ""
    growth_pct: float | None = None  # a stated growth rate, when no amounts are
    growth_base: str = ""  # the year it is measured from, as the label words it: 2019年


KINDS = ("level", "increase", "growth")


def increase_word(label: str) -> str:
    """The source's word for an amount added: 创收 when it says so, otherwise 增收."""
    return "创收" if "创收" in label else "增收"


def kind_bars(case: dict) -> dict[str, list[Bar]]:
    """The case's income figures as bars, by kind (level, increase, growth)."""
    name = short_name(case["title"])
    out: dict[str, list[Bar]] = {k: [] for k in KINDS}
    if case.get("kind") != "overview":
        for f in _levels(case):
            kind = "after" if f.get("year") is None or len(out["level"]) else "before"
            out["level"].append(Bar(name, _when(f), f["value"], _text(f), kind))
    for f in case["figures"]:
        if f["metric"] == "income_increase" and f["unit"] == "万元":
            out["increase"].append(Bar(name, increase_word(f["label"]), f["value"], _text(f),
                                       "increase"))
        elif f["metric"] == "income_growth_pct":
            base = re.search(r"(?:19|20)\d\d年", f["label"])
            label = f"较{base.group(0)}" if base else "增长率"
            out["growth"].append(Bar(name, label, f["value"], _text(f), "growth"))
    return out


def short_name(title: str) -> str:
    """`长湖村：流转抛荒地…` -> 长湖村 (the part before the colon, at most 12 characters)."""
    head = title.split("：", 1)[0].strip()
    return head if len(head) <= 12 else head[:11] + "…"


def _text(f: dict) -> str:
    return format_figure(f["value"], f["unit"], f.get("approx") or "")


def _when(f: dict) -> str:
    return f"{f['year']}年" if f.get("year") else NOW


def _levels(case: dict) -> list[dict]:
    """Income levels in 万元, oldest first; a level without a year is the report's "now"."""
    found = [f for f in case["figures"] if f["metric"] == "income" and f["unit"] == "万元"]
    return sorted(found, key=lambda f: f.get("year") or 9999)


def income_row(case: dict) -> IncomeRow | None:
    """The case's stated income amounts as bars, or None when it states none."""
    name = short_name(case["title"])
    figures = case["figures"]
    growth = [f for f in figures if f["metric"] == "income_growth_pct"]
    increase = [f for f in figures if f["metric"] == "income_increase" and f["unit"] == "万元"]
    levels = [] if case.get("kind") == "overview" else _levels(case)
    if len(levels) >= 2:
        before, after = levels[0], levels[-1]
        bars = (Bar(name, _when(before), before["value"], _text(before), "before"),
                Bar(name, _when(after), after["value"], _text(after), "after"))
        return IncomeRow(case["id"], name, f"{_text(before)}（{_when(before)}）",
                         f"{_text(after)}（{_when(after)}）", _change(before, after), bars)
    if increase:
        f = increase[0]
        bar = Bar(name, "增收", f["value"], _text(f), "increase")
        return IncomeRow(case["id"], name, "", "", f"增收{_text(f)}", (bar,))
    if growth:
        f = growth[0]
        change = f"{f['label']}{_text(f)}"
        base = re.search(r"(?:19|20)\d\d年", f["label"])
        return IncomeRow(case["id"], name, "", "", change, (),
                         note=f"{name}：{change}（来源未给金额，不画柱）",
                         growth_pct=f["value"], growth_base=base.group(0) if base else "")
    return None


def _change(before: dict, after: dict) -> str:
    """增加45万元，为2020年的10倍; 约 when either amount is approximate."""
    about = "约" if before.get("approx") or after.get("approx") else ""
    diff = after["value"] - before["value"]
    text = f"增加{about}{diff:g}万元" if diff >= 0 else f"减少{about}{-diff:g}万元"
    if before["value"] > 0:
        text += f"，为{_when(before)}的{about}{after['value'] / before['value']:.3g}倍"
    return text
