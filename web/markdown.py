"""Case Markdown to HTML that cannot run anything: raw HTML is escaped, then sanitised again."""

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
