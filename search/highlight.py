"""Whole-word highlighting and snippets from the section that answers the query.

Spans come from the same analyzer as the index, with exact character offsets, so a mark covers
exactly a word the query matched (光伏 in 光伏发电 is marked as 光伏; 马克思 is never cut to 马克).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

from analysis.analyzer import Analyzer
from casefile.case import Case

SNIPPET_CHARS = 120
LEAD_CHARS = 24  # context shown before the first mark
# Where an answer usually is, for ties between sections.
SECTION_PREFERENCE = ("主要做法", "成效", "利益联结", "摘要", "经验启示", "背景")


@dataclass(frozen=True)
class Snippet:
    section: str
    html: str  # escaped text with <mark>…</mark> around matched words


def word_spans(analyzer: Analyzer, text: str, words: set[str]) -> list[tuple[int, int]]:
    """Character spans of the tokens of `text` that are among `words`, merged."""
    if not words or not text:
        return []
    spans = sorted((start, end) for word, start, end in _tokens(analyzer, text)
                   if word in words)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=8192)
def _tokens(analyzer: Analyzer, text: str) -> tuple[tuple[str, int, int], ...]:
    """Analysed tokens of a passage; the same passages come back query after query (keyed by
    analyzer too: an editor's dictionary edit brings a new one with the next generation)."""
    return tuple((t.text, t.start, t.end) for t in analyzer.analyze(text))


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """Escape `text` and wrap each span in <mark>."""
    out, cursor = [], 0
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def highlight(analyzer: Analyzer, text: str, words: set[str]) -> str:
    return mark(text, word_spans(analyzer, text, words))


def _window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """The `width`-character window holding the most marks (distinct text first)."""
    if not spans:
        return 0, min(len(text), width)
    best, best_key = (0, 0), None
    for anchor, _ in spans:
        start = max(0, anchor - LEAD_CHARS)
        end = min(len(text), start + width)
        inside = [text[s:e] for s, e in spans if s >= start and e <= end]
        key = (len(set(inside)), len(inside), -start)
        if best_key is None or key > best_key:
            best, best_key = (start, end), key
    start, end = best
    return max(0, min(start, len(text) - width)), end


def excerpt(analyzer: Analyzer, text: str, words: set[str], width: int = SNIPPET_CHARS) -> str:
    """The best window of `text`, highlighted, with ellipses where it was cut."""
    text = " ".join(text.split())
    spans = word_spans(analyzer, text, words)
    start, end = _window(text, spans, width)
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    body = mark(text[start:end], inside)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def case_passages(case: Case) -> list[tuple[str, str]]:
    return list(case.passages)


def best_snippet(analyzer: Analyzer, case: Case, words: set[str],
                 fallback: tuple[str, str] | None = None) -> Snippet:
    """Snippet from the passage with the most matched words; else from `fallback` (best vector
    passage) or the summary."""
    scored = []
    for order, (section, text) in enumerate(case_passages(case)):
        found = {text[s:e] for s, e in word_spans(analyzer, text, words)}
        pref = SECTION_PREFERENCE.index(section) if section in SECTION_PREFERENCE else 9
        scored.append(((len(found), -pref, -order), section, text))
    scored.sort(key=lambda x: x[0], reverse=True)
    if scored and scored[0][0][0] > 0:
        _, section, text = scored[0]
    elif fallback is not None:
        section, text = fallback
    else:
        section, text = "摘要", case.summary
    return Snippet(section, excerpt(analyzer, text, words))
