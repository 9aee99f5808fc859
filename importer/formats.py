"""Readers for Word, PDF and saved web pages, each guarded against hostile files."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from importer.document import Document
from importer.document import first_chinese_heading
from importer.document import join_wrapped
from importer.document import make_blocks
from importer.model import ImportFailed

MAX_UNZIPPED = 200 * 1024 * 1024  # a real report's XML is a few MB
MAX_RATIO = 200  # XML compresses about 10:1; a bomb compresses 1000:1
MAX_MEMBERS = 5000
MAX_PAGES = 2000
HEADING_STYLE_RE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
SENTENCE_END = "。！？；："
ENUM_START_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+[章节部分])")


def check_zip(path: Path, name: str) -> None:
    """Refuse a .docx that is not a zip, or whose members would inflate past the limits."""
    bad = f"“{name}”不是有效的 Word（.docx）文件，可能已损坏或只是改了扩展名"
    if not zipfile.is_zipfile(path):
        raise ImportFailed(bad)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFailed(bad) from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    ratio_bad = any(i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
                    for i in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_UNZIPPED or ratio_bad or total > MAX_RATIO * packed:
        raise ImportFailed(f"“{name}”解压后异常庞大（疑似压缩炸弹），已拒绝读取")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise ImportFailed(bad)


def read_docx(path: Path, name: str) -> Document:
    """Paragraphs in order; Word's heading styles become heading levels; tables row by row."""
    check_zip(path, name)
    import docx
    from lxml.etree import LxmlError

    try:
        document = docx.Document(str(path))
        items: list[tuple[str, int]] = []
        for part in document.iter_inner_content():  # paragraphs and tables in reading order
            if hasattr(part, "rows"):
                items += _docx_rows(part)
            else:
                items.append((part.text, _docx_level(part)))
    except (KeyError, ValueError, zipfile.BadZipFile, LxmlError) as exc:
        raise ImportFailed(f"“{name}”这个 Word 文件已损坏，无法读取") from exc
    blocks = make_blocks(items)
    declared = (document.core_properties.title or "").strip()
    if declared and re.search(r"[\u4e00-\u9fff]", declared):
        return Document(blocks, declared[:300])
    heading = first_chinese_heading(blocks)
    return Document(blocks, heading, title_from_heading=bool(heading))


def _docx_rows(table) -> list[tuple[str, int]]:
    """One line per row, cells joined as clauses (merged cells repeat, so they are deduplicated)."""
    rows = []
    for row in table.rows:
        cells = dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip())
        rows.append(("，".join(cells), 0))
    return rows


def _docx_level(paragraph) -> int:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style in ("Title", "标题"):
        return 1
    m = HEADING_STYLE_RE.match(style or "")
    return min(int(m.group(1)), 6) if m else 0


def read_pdf(path: Path, name: str) -> Document:
    """The text layer, lines joined back into paragraphs; a scanned PDF goes to OCR."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError
    from pypdf.errors import PyPdfError

    encrypted = f"“{name}”是加密的 PDF，需要密码才能打开：请先取消加密或另存为不加密的 PDF 再上传"
    corrupt = f"“{name}”这个 PDF 文件已损坏，无法读取"
    raw = path.read_bytes()  # the size was checked; pypdf then reads from memory
    if b"%PDF-" not in raw[:1024]:
        raise ImportFailed(corrupt)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportFailed(encrypted)
        if len(reader.pages) > MAX_PAGES:
            raise ImportFailed(f"“{name}”超过 {MAX_PAGES} 页，请拆分后再上传")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:
        raise ImportFailed(encrypted) from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ImportFailed(corrupt) from exc
    text = "\n".join(pages)
    if len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", text)) >= 20:
        return _pdf_document(pages)
    return _scanned_pdf(raw, name, len(reader.pages))


def _scanned_pdf(raw: bytes, name: str, pages: int) -> Document:
    """No text layer: read the page images with OCR when it is installed."""
    from importer import ocr

    refused = (f"“{name}”没有文字层（可能是扫描件或图片），本机也没有安装文字识别：请上传带文字的 "
               "PDF 或 Word 文件")
    if not ocr.available():
        raise ImportFailed(refused)
    texts = ocr.ocr_pdf(raw, name, pages)
    items: list[tuple[str, int]] = []
    for page in texts:  # tesseract separates paragraphs by blank lines and wraps lines
        for para in re.split(r"\n\s*\n", page):
            lines = [PDF_SPACE_RE.sub("", x.strip()) for x in para.splitlines() if x.strip()]
            if lines:
                items.append((join_wrapped(lines), 0))
    blocks = make_blocks(items)
    if len(re.findall(r"[\u4e00-\u9fff]", "".join(b.text for b in blocks))) < 20:
        raise ImportFailed(f"“{name}”没有文字层（可能是扫描件或图片），文字识别也没有读出文字："
                           "请上传带文字的 PDF 或 Word 文件")
    doc = Document(blocks, None)
    doc.warnings.append(f"“{name}”是扫描件，文字由文字识别（OCR）读出，数字、地名可能认错，"
                        "请对照原件逐一核对")
    if pages > ocr.MAX_OCR_PAGES:
        doc.warnings.append(f"文字识别只读了前 {ocr.MAX_OCR_PAGES} 页（共 {pages} 页）")
    return doc


PDF_SPACE_RE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…*]) +|"
                          r" +(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…])")
# Layout spaces next to punctuation or digits inside Chinese text (6 万元 , 以), not between words
PDF_PUNCT_SPACE_RE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…,.:;!?()%\d]) +"
                                r"(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’—…,.:;!?()%\d])")


def _pdf_line(line: str) -> str:
    line = PDF_SPACE_RE.sub("", line.strip())
    return PDF_PUNCT_SPACE_RE.sub(
        lambda m: m.group(0) if _words_both_sides(line, m) else "", line)


def _words_both_sides(line: str, m) -> bool:
    """A space between two Latin words or two numbers (Copyright 2012, 1 000) stays."""
    left, right = line[m.start() - 1:m.start()], line[m.end():m.end() + 1]
    return left.isascii() and right.isascii() and left.isalnum() and right.isalnum()


def _pdf_document(pages: list[str]) -> Document:
    """A text-layer PDF: running headers and footers dropped, a printed web page's chrome
    dropped (importer/chrome.py), lines joined back into paragraphs. The title is a heading
    at the top of the text, with a warning, since a PDF names no title of its own."""
    from importer.chrome import drop_chrome
    from importer.chrome import repeated_lines

    page_lines = [[_pdf_line(x) for x in page.splitlines() if x.strip()] for page in pages]
    running = repeated_lines(page_lines)
    lines = [x for page in page_lines for x in page
             if re.sub(r"\d+", "#", x) not in running]
    lines = drop_chrome(lines)
    blocks = make_blocks(_pdf_paragraphs(lines))
    heading = first_chinese_heading(blocks)
    return Document(blocks, heading, title_from_heading=bool(heading))


def _pdf_paragraphs(lines: list[str]) -> list[tuple[str, int]]:
    """Rebuild paragraphs from layout lines: a short line that ends a sentence closes one (a
    full line was wrapped), a line starting 一、 or 第一章 opens one, and a short line with no
    closing punctuation standing alone is a heading. Layout spaces around Chinese go."""
    lines = [x for x in lines if x.strip()]
    width = max((len(x) for x in lines), default=0)
    out: list[tuple[str, int]] = []
    para: list[str] = []
    for line in lines:
        if para and ENUM_START_RE.match(line):
            out.append((join_wrapped(para), 0))
            para = []
        if not para and len(line) < 0.6 * width and line[-1] not in SENTENCE_END + "，、":
            out.append((line, 1 if not out else 2))
            continue
        para.append(line)
        if line.rstrip("”’）)")[-1:] in tuple(SENTENCE_END) and len(line) < 0.9 * width:
            out.append((join_wrapped(para), 0))
            para = []
    if para:
        out.append((join_wrapped(para), 0))
    return out


def read_html(raw: bytes, name: str) -> Document:
    """The article's text without scripts, styles or forms: readability picks the main part."""
    from importer.html import html_document

    return html_document(raw, name)
