"""Saved web articles: decode, strip everything executable, keep the article's blocks.

The article is found by two boilerplate removers: trafilatura (made for it) and readability-lxml.
They vote: trafilatura's blocks are kept when readability also keeps them or when readability
found too little to judge; on import-dev (real reports in invented site chrome) trafilatura alone
kept the article and most of the chrome out, and the vote plus the line rules of importer/chrome.py
keep the rest (footers, print links, related headlines) out of the drafts. The source title is
the page's <h1>, else its <title> without the site's name, and never a column name or 正文.
"""

from __future__ import annotations

import re

from importer.chrome import drop_chrome
from importer.chrome import is_boilerplate
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
TITLE_SEPARATORS = re.compile(r"\s+[-—–|·_]\s+|[_|｜]|\s[-—–]\s?|——")
GENERIC_TITLES = {"正文", "详情", "详细", "内容", "内容页", "文章", "新闻", "新闻详情", "首页",
                  "列表",
                  "正文内容", "信息", "详情页", "文章详情", "阅读"}


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
                      comments=True, forms=True, embedded=True, frames=True, meta=False,
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


def trafilatura_blocks(html: str) -> list[tuple[str, int]] | None:
    """The article's blocks as trafilatura finds them (headings keep their level; a table of
    `label：value` cells, the site's information table, is left out)."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(html, output_format="xml", include_comments=False,
                                  include_tables=True, include_formatting=True,
                                  include_images=False, include_links=False, deduplicate=False)
    except Exception:  # the extractor fails on odd pages; readability still reads them
        return None
    if not xml:
        return None
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None
    items: list[tuple[str, int]] = []
    main = root.find("main")
    for el in (main if main is not None else root).iter("head", "p", "item", "row", "quote"):
        if el.tag == "row":
            cells = [clean_line("".join(c.itertext())) for c in el.iter("cell")]
            cells = [c for c in cells if c]
            if sum(c.endswith(("：", ":")) for c in cells) * 2 >= len(cells):
                continue  # 索引号：… 发布机构：… an information table
            items.append(("，".join(cells), 0))
            continue
        if el.getparent() is not None and el.getparent().tag in ("p", "item", "quote"):
            continue
        level = 0
        if el.tag == "head":
            rend = el.get("rend") or "h2"
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
        for line in "".join(el.itertext()).split("\n"):
            items.append((clean_line(line), level))
    return [(t, lvl) for t, lvl in items if t]


def readability_blocks(tree) -> list[tuple[str, int]]:
    from lxml import html as lxml_html
    from readability import Document as Readable

    try:
        article = Readable(lxml_html.tostring(tree, encoding="unicode")).summary(html_partial=True)
        return blocks_of(sanitized_tree(article))
    except Exception:  # readability fails on odd pages; the whole page still reads
        return []


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def vote(traf: list[tuple[str, int]] | None, read: list[tuple[str, int]],
         whole: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Blocks both extractors keep, in readability's order with its headings (trafilatura drops
    some <h2>); one extractor alone when the other found too little."""
    size = sum(len(t) for t, _ in whole) or 1
    read_size = sum(len(t) for t, _ in read)
    if not traf:
        return read if read_size >= 0.3 * size else whole
    if read_size < 0.3 * sum(len(t) for t, _ in traf):
        return traf
    kept = _squash("".join(t for t, _ in traf))
    both = [i for i, (t, _) in enumerate(read) if _squash(t) in kept]
    if not both:
        return traf
    first, last = both[0], both[-1]
    levels = {_squash(t): lvl for t, lvl in traf if lvl}
    return [(t, levels.get(_squash(t), lvl)) for i, (t, lvl) in enumerate(read)
            if i in both or (lvl and first <= i <= last)]


def site_names(tree) -> set[str]:
    names = set()
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        if key in ("sitename", "og:site_name", "application-name", "site_name", "author"):
            if meta.get("content"):
                names.add(clean_line(meta.get("content")))
    for img in tree.iter("img"):
        if img.get("alt") and len(img.get("alt")) <= 20:
            names.add(clean_line(img.get("alt")))
    return {n for n in names if n}


def page_title(tree, blocks: list[tuple[str, int]]) -> tuple[str | None, str | None]:
    """(title, how it was found): the <h1>, else the <title> without the site's name."""
    sites = site_names(tree)
    text = _squash("".join(t for t, _ in blocks))
    for h1 in tree.iter("h1"):
        title = clean_line("".join(h1.itertext()))
        if title and title not in sites and title not in GENERIC_TITLES and \
                not is_boilerplate(title) and _squash(title) in text:
            return title, "h1"
    raw = clean_line(tree.findtext(".//title") or "")
    parts = [p.strip() for p in TITLE_SEPARATORS.split(raw) if p and p.strip()]
    if len(parts) > 1:
        parts = parts[:-1] if parts[-1] not in parts[:-1] else parts  # the site's name last
    parts = [p for p in parts if p not in sites and p not in GENERIC_TITLES]
    for part in parts:  # a column's name (乡镇动态) is short and not in the article
        if len(part) >= 8 or _squash(part) in text:
            return part, "title"
    return None, None


def html_document(raw: bytes, name: str) -> Document:
    from lxml import html as lxml_html

    text, warnings = decode_html(raw, name)
    tree = sanitized_tree(text)
    whole = blocks_of(tree)
    clean_html = lxml_html.tostring(tree, encoding="unicode")
    picked = vote(trafilatura_blocks(clean_html), readability_blocks(tree), whole)
    kept_lines = drop_chrome([t for t, _ in picked])
    keep = set(kept_lines)
    items = [(t, lvl) for t, lvl in picked if t in keep]
    blocks = make_blocks(items)
    if not blocks:
        raise ImportFailed(f"“{name}”里没有可读的正文")
    title, _ = page_title(tree, items)
    doc = Document(blocks, title)
    doc.warnings.extend(warnings)
    return doc
