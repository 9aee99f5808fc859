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
    return Document(blocks, first_chinese_heading(blocks))


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[end + 4:]
    return text


def _unescape(line: str) -> str:
    return re.sub(r"\\([*_#`\[\]\\])", r"\1", line)


def read_plain(text: str) -> Document:
    """Government text files put one paragraph on each line."""
    blocks = [Block(b.text) for b in make_blocks([(line, 0) for line in text.splitlines()])]
    return Document(blocks, None)
