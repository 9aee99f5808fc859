"""Turn an uploaded file into a `Document`, refusing anything unsafe or unreadable in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from importer.decode import decode_text
from importer.document import Block
from importer.document import Document
from importer.document import first_chinese_heading
from importer.document import join_wrapped
from importer.document import make_blocks
from importer.model import ImportFailed

SUFFIXES = (".docx", ".pdf", ".html", ".htm", ".md", ".markdown", ".txt")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LIST_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
PARAGRAPH_END = ("。", "！", "？", "”", "；")


def read_document(path: Path, name: str, max_bytes: int) -> Document:
    """Check size and type, then hand the file to the reader for its format.

    :raise ImportFailed: for a file too large, of an unknown type, or unreadable.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFailed(_unknown_type(suffix, name))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailed(f"无法读取文件“{name}”：{exc.strerror or '文件不存在'}") from exc
    if size > max_bytes:
        raise ImportFailed(f"文件“{name}”有 {size / 1048576:.1f} MB，超过 "
                           f"{max_bytes / 1048576:.0f} MB 的上限，请拆分后再上传")
    if size == 0:
        raise ImportFailed(f"文件“{name}”是空的")
    from importer import formats  # docx/pdf/html libraries load only when needed

    if suffix == ".docx":
        return formats.read_docx(path, name)
    if suffix == ".pdf":
        return formats.read_pdf(path, name)
    raw = path.read_bytes()
    if suffix in (".html", ".htm"):
        return formats.read_html(raw, name)
    text, warnings = decode_text(raw, name)
    doc = read_markdown(text) if suffix in (".md", ".markdown") else read_plain(text)
    doc.warnings.extend(warnings)
    return doc


def _unknown_type(suffix: str, name: str) -> str:
    if suffix == ".doc":
        return f"“{name}”是旧版 Word（.doc）文件，不支持：请在 Word 里“另存为”.docx 后再上传"
    shown = f"“{suffix}”" if suffix else "（没有扩展名）"
    return f"“{name}”：不支持的文件类型{shown}，请上传 .docx、.pdf、.html、.md 或 .txt 文件"


def read_markdown(text: str) -> Document:
    """Headings from `#` lines; paragraphs from blank-line separated runs and list items."""
    text = _strip_front_matter(text.lstrip("\ufeff"))
    items: list[tuple[str, int]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            items.append((join_wrapped(para), 0))
            para.clear()

    for line in text.splitlines():
        heading = HEADING_RE.match(line)
        if heading:
            flush()
            items.append((_unescape(heading.group(2)), len(heading.group(1))))
        elif not line.strip():
            flush()
        elif LIST_RE.match(line):
            flush()
            para.append(_unescape(LIST_RE.sub("", line)))
        else:
            para.append(_unescape(line))
            if line.rstrip().endswith(PARAGRAPH_END):  # Chinese text: one paragraph per line
                flush()
    flush()
    blocks = make_blocks(items)
    heading = first_chinese_heading(blocks)
    return Document(blocks, heading, title_from_heading=bool(heading))


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4:]
    return text


def _unescape(line: str) -> str:
    return re.sub(r"\\([*_#`\[\]\\])", r"\1", line)


def read_plain(text: str) -> Document:
    """Government text files put one paragraph on each line; text pasted from a PDF or an e-mail
    breaks lines inside sentences, and those lines are joined back first. A short first line
    without sentence punctuation is the title (with a warning: the file does not say so)."""
    lines = rejoin_lines(text.splitlines())
    blocks = [Block(b.text) for b in make_blocks([(line, 0) for line in lines])]
    title = None
    if blocks and len(blocks[0].text) <= 40 and not re.search(r"[。！？!?；;，,：:]",
                                                               blocks[0].text) \
            and CJK_TITLE_RE.search(blocks[0].text) and len(blocks) > 1 \
            and not BYLINE_RE.search(blocks[0].text):
        title = blocks[0].text
    return Document(blocks, title, title_from_heading=bool(title))


CJK_TITLE_RE = re.compile(r"[\u4e00-\u9fff]{4}")
BYLINE_RE = re.compile(r"记者|通讯员|作者|编者按|来源|^文/|^图/|日讯|消息")
LINE_END = tuple("。！？；!?;：:”’」』)）】")
LIST_START_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、．.]|"
                           r"[（(][一二三四五六七八九十\d]+[)）]|"
                           r"\d+[、.．](?!\d)|NO\.|第[一二三四五六七八九十]+[章节部分]|【|[-*•·])",
                           re.IGNORECASE)


def rejoin_lines(lines: list[str]) -> list[str]:
    """Join a line to the next when it breaks a sentence: it ends without closing punctuation
    and is about as long as the text's wrapped lines (a short line is a heading or a name)."""
    stripped = [x.strip() for x in lines]
    lengths = sorted(len(x) for x in stripped if len(x) >= 10)
    if len(lengths) < 3:
        return lines
    width = lengths[int(len(lengths) * 0.9) - 1]  # the long lines' length
    out: list[str] = []
    joining = False
    for raw, line in zip(lines, stripped, strict=True):
        if joining and line and not LIST_START_RE.match(line):
            out[-1] += line
        else:
            out.append(raw)
        joining = bool(line) and not line.endswith(LINE_END) and (
            line.endswith(("，", ",", "、")) or len(line) >= 0.85 * width) and len(line) >= 10
    return out
