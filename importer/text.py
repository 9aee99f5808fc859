"""Sentences of the source text, with offsets, so every quote is an exact slice of it."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# A sentence ends at 。！？； (with a closing quote that follows) or at the end of a line. Many
# sites store the ASCII forms , : ; ? ! ( ) in Chinese text: ; ? ! end a sentence as well.
SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+(?:[。！？；!?;]+[”’」』）)]?|(?=\n)|$)")
CLAUSE_BREAKS = "，；。、：！？,;:!?"
MAX_QUOTE = 1000  # the parser's limit for one quoted sentence


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences_of(text: str) -> Sentences:
    """Every sentence of the text, in order."""
    out = []
    for m in SENTENCE_RE.finditer(text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            out.append(Sentence(m.start() + lead, m.start() + lead + len(body), body))
    return Sentences(out)


class Sentences(list):
    """Sentences in source order, with their starts kept for bisection (reports run long)."""

    def __init__(self, items: list[Sentence]):
        super().__init__(items)
        self.starts = [s.start for s in items]


def sentence_at(sentences: Sentences, pos: int) -> Sentence | None:
    """The sentence holding character `pos` of the source text."""
    i = bisect_right(sentences.starts, pos) - 1
    if i >= 0 and sentences[i].start <= pos < sentences[i].end:
        return sentences[i]
    return None


def sentences_in(sentences: Sentences, spans: list[tuple[int, int]]) -> list[Sentence]:
    """Sentences that overlap any of the spans, in source order."""
    picked: dict[int, Sentence] = {}
    for begin, end in spans:
        i = max(bisect_right(sentences.starts, begin) - 1, 0)
        while i < len(sentences) and sentences[i].start < end:
            if sentences[i].end > begin:
                picked[i] = sentences[i]
            i += 1
    return [picked[i] for i in sorted(picked)]


def clauses(text: str) -> list[str]:
    """Split at Chinese clause punctuation, keeping each clause's text."""
    return [c for c in re.split(f"[{CLAUSE_BREAKS}]", text) if c.strip()]


def quote_at(text: str, sentences: Sentences, pos: int) -> str:
    """The sentence holding `pos`; a run-on sentence over the limit is cut around `pos`."""
    s = sentence_at(sentences, pos)
    if s is None:
        return ""
    if len(s.text) <= MAX_QUOTE:
        return s.text
    return text[max(s.start, pos - 300):min(s.end, pos + 300)]
