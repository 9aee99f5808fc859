"""The one Markdown reader of case bodies: HTML that cannot run anything, and the token stream.

Pages render with `render_markdown`; handouts walk `markdown_tokens` into Word paragraphs.
Both use one parser, so raw HTML in a case file stays text everywhere.
"""

from __future__ import annotations

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
