"""Saved web articles: decode, strip everything executable, keep the article's blocks."""

from __future__ import annotations

import re

from importer.decode import decode_text
from importer.document import Document
from importer.document import clean_line
from importer.document import make_blocks
from importer.model import ImportFailed

CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
BLOCK_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "blockquote", "pre",
              "dd", "dt", "div", "section", "article"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "form", "template",
             "svg", "math", "nav", "header", "footer", "aside")


def decode_html(raw: bytes, name: str) -> tuple[str, list[str]]:
    """The page's declared charset wins; otherwise UTF-8, then GB18030."""
    m = CHARSET_RE.search(raw[:4096])
    if m:
        declared = m.group(1).decode("ascii").lower()
        declared = "gb18030" if declared in ("gbk", "gb2312", "gb18030", "x-gbk") else declared
        try:
            return raw.decode(declared), []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(raw, name)


def sanitized_tree(html: str):
    """Parse and drop every script, style, frame, form and event handler."""
    from lxml import html as lxml_html
    from lxml_html_clean import Cleaner

    cleaner = Cleaner(scripts=True, javascript=True, style=True, inline_style=True,
                      comments=True, forms=True, embedded=True, frames=True, meta=True,
                      processing_instructions=True, kill_tags=DROP_TAGS, page_structure=False)
    try:
        return cleaner.clean_html(lxml_html.document_fromstring(html))
    except (ValueError, TypeError) as exc:  # lxml: empty document or bad input
        raise ImportFailed("网页文件里没有可读的正文") from exc


def blocks_of(tree) -> list[tuple[str, int]]:
    """Innermost block elements in document order, with their heading level; a line break
    (<br>) inside one ends a paragraph too, as many government sites write paragraphs."""
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    items = []
    for el in tree.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag not in BLOCK_TAGS:
            continue
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants()):
            items += [(line, 0) for line in (el.text or "").split("\n")]  # a wrapper's own text
            continue
        level = HEADINGS.get(tag, 0)
        items += [(line, level) for line in "".join(el.itertext()).split("\n")]
    return [(clean_line(text), level) for text, level in items if clean_line(text)]


def html_document(raw: bytes, name: str) -> Document:
    from lxml import html as lxml_html
    from readability import Document as Readable

    text, warnings = decode_html(raw, name)
    tree = sanitized_tree(text)
    whole = blocks_of(tree)
    title = clean_line(tree.findtext(".//title") or "") or None
    try:
        article = Readable(lxml_html.tostring(tree, encoding="unicode")).summary(html_partial=True)
        picked = blocks_of(sanitized_tree(article))
    except Exception:  # readability fails on odd pages; the whole page still reads
        picked = []
    # Readability sometimes keeps one paragraph of a short page: then the cleaned page is better.
    size = sum(len(t) for t, _ in whole)
    items = picked if sum(len(t) for t, _ in picked) >= 0.6 * size else whole
    blocks = make_blocks(items)
    if not blocks:
        raise ImportFailed(f"“{name}”里没有可读的正文")
    doc = Document(blocks, title or next((b.text for b in blocks if b.level), None))
    doc.warnings.extend(warnings)
    return doc
