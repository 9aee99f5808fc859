"""The one Markdown reader of case bodies: HTML that cannot run anything, and the token stream.

Pages render with `render_markdown`; handouts walk `markdown_tokens` into Word paragraphs.
Both use one parser, so raw HTML in a case file stays text everywhere. `plain_text` gives the
words a reader sees, for the index and the embedding passages.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

# html=False: a <script> or <img onerror> in a case file is shown as text, never as markup.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code", "pre", "h2",
                "h3", "h4", "br", "hr", "table", "thead", "tbody", "tr", "th", "td"}


def render_markdown(text: str) -> str:
    html = _md.render(text)
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def markdown_tokens(text: str) -> list:
    """The parser's block tokens, for exports that build their own paragraphs."""
    return _md.parse(text or "")


MD_NOISE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE), ""),  # headings
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # quotes
    (re.compile(r"(?<!\\)(\*\*|__|`)"), ""),  # emphasis and code marks, unless escaped
    (re.compile(r"<[^>]{0,200}>"), ""),  # raw HTML tags never reach the index as words
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!])"), r"\1"),  # \*\*村 (a masked name) -> **村
]


def plain_text(markdown: str) -> str:
    """Markdown to the words a reader sees (no markers, no HTML)."""
    text = markdown
    for pattern, repl in MD_NOISE:
        text = pattern.sub(repl, text)
    return re.sub(r"\n{2,}", "\n", text).strip()
