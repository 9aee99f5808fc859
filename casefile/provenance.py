"""Check that every facet value and figure of a case is backed by the source sentence it cites.

A value is backed when the sentence states it: word for word, through a synonym of its group
(analysis/data/synonyms.txt), through a `term` entry of the concept lexicon, or
with each of its words present (土地流转 in 流转抛荒土地). A figure is backed when its number
appears in its quote as the source writes numbers (7.5万余亩 for 75000 亩, 两个 for 2), with
its qualifier (余/近/超过/以上) and its year. Parsing only checks the shape; this module checks
the meaning, for shipped cases (tests/test_provenance.py) and the importer's drafts alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analysis.analyzer import Analyzer
from analysis.segment import normalise
from casefile.case import Case
from casefile.case import Figure
from casefile.parse import Problem

FACETS = ("models", "resources", "industries", "terrain")
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_SPACE_RE = re.compile(r"\s+")


def check_provenance(case: Case, source_text: str | None = None, *,
                     analyzer: Analyzer) -> list[Problem]:
    """Every problem with the case's sentences; give `source_text` to require verbatim quotes."""
    problems: list[Problem] = []

    def fail(field: str, reason: str) -> None:
        problems.append(Problem(case.path or case.slug, field, reason))

    for name in FACETS:
        for value in _facet_values(case, name):
            ev = case.evidence_for(name, value)
            if ev is None:
                fail(f"evidence.{name}", f"“{value}”没有出处原句")
            elif not names_value(ev.quote, value, analyzer):
                fail(f"evidence.{name}", f"原句里找不到“{value}”或它的同义词：{_cut(ev.quote)}")
    for i, fig in enumerate(case.figures, 1):
        reason = figure_problem(fig)
        if reason:
            fail(f"figures[{i}]", f"{fig.label}：{reason}")
    for ev in case.evidence:
        if ev.field == "region" and ev.value and not names_value(ev.quote, ev.value, analyzer):
            fail("evidence.region", f"原句里没有地名“{ev.value}”：{_cut(ev.quote)}")
    quotes = [f.quote for f in case.figures if f.quote] + [e.quote for e in case.evidence]
    publisher = case.source.publisher
    if publisher and not any(_found(publisher, q) for q in quotes + [source_text or ""]):
        fail("source.publisher", f"来源里没有点名发布者“{publisher}”，请删去或照原文写")
    if source_text is not None:
        for quote in quotes:
            if not _found(quote, source_text):
                fail("quote", f"原句不在来源原文里：{_cut(quote)}")
    return problems


def _facet_values(case: Case, name: str) -> tuple[str, ...]:
    if name == "terrain":
        return (case.terrain,) if case.terrain else ()
    return getattr(case, name)


def _cut(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _squash(text: str) -> str:
    return _SPACE_RE.sub("", normalise(text))


def _found(needle: str, haystack: str) -> bool:
    return _squash(needle) in _squash(haystack)


def names_value(sentence: str, value: str, analyzer: Analyzer) -> bool:
    """Whether `sentence` states the vocabulary `value` (see the module docstring)."""
    if _found(value, sentence):
        return True
    canon = analyzer.synonyms
    group = canon.get(value, value)
    if any(_found(word, sentence) for word, c in canon.items() if c == group):
        return True
    if _found(group, sentence) or _concept_named(sentence, value, analyzer):
        return True
    words = word_cover(value, analyzer)
    return len(words) > 1 and all(_found(w, sentence) for w in words)


@lru_cache(maxsize=512)
def word_cover(value: str, analyzer: Analyzer) -> tuple[str, ...]:
    """The dictionary words that tile `value` left to right (土地流转 -> 土地, 流转), if any.

    The importer suggests a facet by the same rule this module checks it with."""
    subs = {(t.start, t.end): t.text for t in analyzer.analyze(value)
            if not t.main and len(t.text) > 1}
    out, at, norm = [], 0, normalise(value)
    while at < len(norm):
        end = max((e for (s, e) in subs if s == at), default=None)
        if end is None:
            return ()
        out.append(subs[(at, end)])
        at = end
    return tuple(out)


def _concept_named(sentence: str, value: str, analyzer: Analyzer) -> bool:
    """Whether a `term` entry of the concept lexicon names `value` in the sentence."""
    # Only the reports' own words (`term` entries) state a value; a plain-words `need` phrase
    # infers one (光伏 -> 光照), which is not what the sentence says.
    return any(m.concept == value and not m.need for m in analyzer.concepts(sentence))


def figure_problem(fig: Figure) -> str | None:
    """Why the figure's quote does not back it, or None when it does."""
    if not fig.quote:
        return "没有出处原句（quote）"
    quote = _squash(fig.quote)
    if not any(_number_in(form, quote) for form in number_forms(fig.value)):
        return f"原句里找不到数字 {fig.value:g}：{_cut(fig.quote)}"
    if fig.approx and fig.approx not in quote:
        return f"原句里没有“{fig.approx}”：{_cut(fig.quote)}"
    if fig.year and str(fig.year) not in quote:
        return f"原句里没有年份 {fig.year}：{_cut(fig.quote)}"
    return None


def number_forms(value: float) -> list[str]:
    """How a source may write `value`: 75000, 7.5万, 8.06 (亿元 is a unit), 两/二 for 2."""
    forms = [f"{value:g}"]
    if value >= 10000:
        forms.append(f"{value / 10000:g}万")
    if value >= 100000000:
        forms.append(f"{value / 100000000:g}亿")
    if value == int(value) and value < 100:
        forms += _chinese(int(value))
    if value in (100, 1000):  # 百亩, 过千万元
        forms += ["百" if value == 100 else "千"]
    return forms


def _chinese(n: int) -> list[str]:
    names = {v: k for k, v in CN_DIGITS.items() if k != "两"}
    if n < 10:
        return [names[n]] + (["两"] if n == 2 else [])
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else names[tens]
    return [f"{head}十{names[ones] if ones else ''}"]


def _number_in(form: str, text: str) -> bool:
    """`form` occurs as a whole number: 5 is not inside 50, 2025 or 0.5."""
    if form[0].isdigit():
        pattern = rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)"
    else:
        digits = "零一二两三四五六七八九十百千"
        pattern = rf"(?<![{digits}]){re.escape(form)}(?![{digits}])"
    return re.search(pattern, text) is not None

