"""Mark, in a source text, the sentences a draft's values came from (server-side, no script)."""

from __future__ import annotations

from markupsafe import Markup
from markupsafe import escape


def mark_sentences(source: str, sentences: list[str]) -> tuple[Markup, list[str]]:
    """The source as HTML with each found sentence in <mark id="ev-N">, and the sentences
    not found (shown to the editor: a value whose evidence is missing needs checking)."""
    spans: list[tuple[int, int, int]] = []
    missing: list[str] = []
    for n, sentence in enumerate(sentences):
        at = source.find(sentence)
        if at < 0:
            missing.append(sentence)
            continue
        spans.append((at, at + len(sentence), n))
    spans.sort()
    out, cursor = [], 0
    for start, end, n in spans:
        if start < cursor:  # overlaps a sentence already marked: its text is marked
            continue
        out.append(escape(source[cursor:start]))
        out.append(Markup('<mark id="ev-{}">{}</mark>').format(n, source[start:end]))
        cursor = end
    out.append(escape(source[cursor:]))
    return Markup("").join(out), missing
