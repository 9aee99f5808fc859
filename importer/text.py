"""Sentences of the source text, with offsets, so every quote is an exact slice of it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at 。！？； (with a closing quote that follows) or at the end of a line.
SENTENCE_RE = re.compile(r"[^。！？；\n]+(?:[。！？；]+[”’」』）)]?|(?=\n)|$)")
CLAUSE_BREAKS = "，；。、：！？"


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences_of(text: str) -> list[Sentence]:
    """Every sentence of the text, in order."""
    out = []
    for m in SENTENCE_RE.finditer(text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            out.append(Sentence(m.start() + lead, m.start() + lead + len(body), body))
    return out


def sentence_at(sentences: list[Sentence], pos: int) -> Sentence | None:
    """The sentence holding character `pos` of the source text."""
    for s in sentences:
        if s.start <= pos < s.end:
            return s
    return None


def sentences_in(sentences: list[Sentence], spans: list[tuple[int, int]]) -> list[Sentence]:
    """Sentences that overlap any of the spans, in source order."""
    return [s for s in sentences if any(s.start < e and b < s.end for b, e in spans)]


def clauses(text: str) -> list[str]:
    """Split at Chinese clause punctuation, keeping each clause's text."""
    return [c for c in re.split(f"[{CLAUSE_BREAKS}]", text) if c.strip()]
