"""Facet values a text speaks of, each with the sentence that names it.

Two matchers: the vocabulary itself with its synonym groups (analysis/data/synonyms.txt), and the
concept lexicon's report wordings (analysis/concepts.py, `term` entries only: a plain-words
problem such as 荒着 is a query's need, not a fact the report states).
"""

from __future__ import annotations

import re
from functools import lru_cache

from casefile.provenance import word_cover
from importer.places import find_mentions
from importer.text import CLAUSE_BREAKS
from importer.text import Sentences
from importer.text import quote_at

FACETS = ("models", "industries", "resources")
TERRAIN_WORDS = {"平原": "平原", "丘陵": "丘陵", "山区": "山区", "湖区": "湖区", "城郊": "城郊",
                 "山村": "山区", "近郊": "城郊"}


@lru_cache(maxsize=4096)
def _aliases(value: str, analyzer) -> frozenset[str]:
    """The value and every word of its synonym group."""
    canon = analyzer.synonyms
    group = canon.get(value, value)
    words = {w for w, c in canon.items() if c == group}
    return frozenset(words | {group, value}) if words or group != value else frozenset({value})


def suggest(text: str, spans: list[tuple[int, int]], sentences: Sentences,
            vocab, analyzer) -> dict[str, dict[str, str]]:
    """facet -> value -> sentence, for words found inside the spans (the case's own text)."""
    found: dict[str, dict[str, str]] = {f: {} for f in (*FACETS, "terrain")}

    def note(facet: str, value: str, pos: int) -> None:
        quote = quote_at(text, sentences, pos)
        if quote and value not in found[facet]:
            found[facet][value] = quote

    for start, end in spans:
        piece = text[start:end]
        for facet in FACETS:
            for value in sorted(getattr(vocab, facet)):
                pos = _first(piece, _aliases(value, analyzer), value, analyzer)
                if pos is not None:
                    note(facet, value, start + pos)
        names = [(m.start, m.end) for m in find_mentions(piece)]
        for word, terrain in TERRAIN_WORDS.items():
            if terrain not in vocab.terrain:
                continue
            for hit in re.finditer(re.escape(word), piece):
                # 某某山村 is a name: terrain is never read from a place's name
                if not any(s < hit.end() and hit.start() < e for s, e in names):
                    note("terrain", terrain, start + hit.start())
                    break
        for facet, value, pos in _concepts(piece, vocab, analyzer):
            note(facet, value, start + pos)
    return found


def _concepts(piece: str, vocab, analyzer) -> list[tuple[str, str, int]]:
    """Lexicon concepts named plainly. A two-character phrase that points at several concepts
    (红色 -> 红色资源, 红色旅游, 红色教育培训; 就业 -> 劳务服务, 留守就业) is too vague to
    suggest any of them; 盘活 -> 资产盘活 alone is plain enough."""
    matches = [m for m in analyzer.concepts(piece) if not m.need]
    per_span: dict[tuple[int, int], int] = {}
    for m in matches:
        per_span[(m.start, m.end)] = per_span.get((m.start, m.end), 0) + 1
    return [(m.facet, m.concept, m.start) for m in matches
            if m.facet in FACETS and m.concept in getattr(vocab, m.facet)
            and (m.end - m.start >= 3 or per_span[(m.start, m.end)] == 1)]


def _first(piece: str, words: frozenset[str], value: str, analyzer) -> int | None:
    hits = [piece.find(w) for w in words if w and w in piece]
    if hits:
        return min(hits)
    cover = word_cover(value, analyzer)
    if len(cover) < 2:
        return None
    at = 0
    for clause in re.split(f"([{CLAUSE_BREAKS}])", piece):
        # 土地流转 in 流转抛荒土地: each dictionary word of the value within one clause
        if all(w in clause for w in cover):
            return at + min(clause.find(w) for w in cover)
        at += len(clause)
    return None


