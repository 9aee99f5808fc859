"""A course pack as a Word handout: title page, contents, each case with facts, sections, source.

Fonts are named for Word (宋体 body, 黑体 headings, zh-CN) so Chinese renders without a
theme lookup; page numbers and the contents are Word fields, with a plain list of the cases
as a fallback for readers that do not compute fields.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt
from docx.shared import RGBColor

from handouts.charts import income_charts
from handouts.content import Block
from handouts.content import cjk_join
from handouts.content import discussion_questions
from handouts.content import facts_rows
from handouts.content import figure_sources
from handouts.content import md_blocks
from handouts.docx_xml import HEADING_FONT
from handouts.docx_xml import add_field
from handouts.docx_xml import ask_word_to_update_fields
from handouts.docx_xml import run_fonts
from handouts.docx_xml import style_document
from handouts.pack import Pack

MUTED = RGBColor(0x66, 0x66, 0x66)
TOC_HINT = "（目录在 Word 中打开时自动生成；如未显示，请右键此处选择“更新域”。）"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def build_docx(pack: Pack, cases: list[dict]) -> bytes:
    """The .docx bytes of `pack` with its `case_dict`s, in pack order."""
    doc = Document()
    style_document(doc)
    props = doc.core_properties
    props.title, props.subject, props.language = pack.display_title, "三农培训案例素材", "zh-CN"
    props.author = "村案通"
    _title_page(doc, pack, cases)
    _contents(doc, cases)
    for number, case in enumerate(cases, 1):
        _case(doc, number, case)
    _header_footer(doc, pack)
    ask_word_to_update_fields(doc)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _title_page(doc, pack: Pack, cases: list[dict]) -> None:
    for _ in range(4):
        doc.add_paragraph()
    title = doc.add_paragraph(pack.display_title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(f"村级集体经济案例 · 共 {len(cases)} 篇")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if pack.notes:
        doc.add_paragraph()
        label = doc.add_paragraph().add_run("说明")
        label.bold = True
        run_fonts(label, HEADING_FONT)
        for line in pack.notes.split("\n"):
            doc.add_paragraph(line)
    doc.add_paragraph()
    note = doc.add_paragraph().add_run("案例内容依据各篇末尾所注来源整理，数字以来源为准。")
    note.font.color.rgb = MUTED
    doc.add_page_break()


def _contents(doc, cases: list[dict]) -> None:
    _label(doc, "目录", 16)
    add_field(doc.add_paragraph(), 'TOC \\o "1-1" \\h \\z \\u', TOC_HINT)
    doc.add_paragraph()
    _label(doc, "案例一览", 12)
    for number, case in enumerate(cases, 1):
        doc.add_paragraph(f"{number}. {case['title']}（{case['region_label']}）")


def _label(doc, text: str, size: int) -> None:
    """A bold heading-like line that stays out of the contents (it is not a Heading style)."""
    run = doc.add_paragraph().add_run(text)
    run.bold, run.font.size = True, Pt(size)
    run_fonts(run, HEADING_FONT)


def _case(doc, number: int, case: dict) -> None:
    heading = doc.add_heading(case["title"], level=1)
    heading.paragraph_format.page_break_before = True
    meta = doc.add_paragraph().add_run(f"案例 {number} · {case['kind_label']} · "
                                       f"{case['region_label']}")
    meta.font.color.rgb = MUTED
    doc.add_paragraph(cjk_join(case["summary"]))
    doc.add_heading("基本情况", level=2)
    _facts_table(doc, facts_rows(case))
    _income_chart(doc, case)
    for sec in case["sections"]:
        doc.add_heading(sec["heading"], level=2)
        for block in md_blocks(sec["markdown"]):
            _block(doc, block)
    questions = discussion_questions(case)
    if questions:
        doc.add_heading("讨论题", level=2)
        for i, q in enumerate(questions, 1):
            doc.add_paragraph(f"{i}. {q}")
    _figure_sources(doc, case)
    source = doc.add_paragraph()
    source.paragraph_format.space_before = Pt(12)
    lead = source.add_run("来源：")
    lead.bold = True
    source.add_run(case["citation"])


def _facts_table(doc, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Mm(48), Mm(112))  # the grid (LibreOffice) and each cell (Word) both carry them
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = widths
        key = cells[0].paragraphs[0].add_run(label)
        key.bold = True
        cells[1].paragraphs[0].add_run(value)


def _income_chart(doc, case: dict) -> None:
    """Each income chart as a picture Word can hold, with alt text and its numbers beneath;
    a kind of figure with a single number is a sentence, not a one-bar chart."""
    charts, sentences = income_charts([case])
    for chart in charts:
        doc.add_picture(BytesIO(chart.png()), width=Mm(110))
        picture = doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for prop in picture._p.iter(qn("wp:docPr")):  # alt text: what a screen reader says
            prop.set("descr", chart.description)
        caption = doc.add_paragraph()
        lead = caption.add_run("图中数字：")
        lead.bold = True
        caption.add_run("；".join([f"{b.group}{b.label}{b.text}" for b in chart.bars]
                                 + list(chart.notes)))
        for run in caption.runs:
            run.font.size, run.font.color.rgb = Pt(9), MUTED
    for text in sentences:
        doc.add_paragraph(text)


def _figure_sources(doc, case: dict) -> None:
    """Each source sentence once, after the figures it backs, so every number can be checked."""
    sources = figure_sources(case)
    if not sources:
        return
    doc.add_heading("数字出处", level=2)
    for i, entry in enumerate(sources, 1):
        para = doc.add_paragraph()
        lead = para.add_run(f"{i}. {'；'.join(entry['figures'])}：")
        lead.bold = True
        para.add_run(f"“{entry['quote']}”")
        for run in para.runs:
            run.font.size = Pt(9.5)


def _block(doc, block: Block) -> None:
    if not block.text:
        return
    if block.kind == "heading":
        doc.add_heading(block.text, level=3)
        return
    style = {"item": "List Bullet" if block.level < 2 else "List Bullet 2",
             "quote": "Quote"}.get(block.kind)
    para = doc.add_paragraph(style=style)
    if block.kind == "number":
        para.add_run(f"{block.number}. ")
    for r in block.runs:
        run = para.add_run(r.text)
        run.bold, run.italic = r.bold or None, r.italic or None


def _header_footer(doc, pack: Pack) -> None:
    section = doc.sections[0]
    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = head.add_run(pack.display_title)
    title.font.size, title.font.color.rgb = Pt(9), MUTED
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run("第 ")
    add_field(foot, "PAGE", "1")
    foot.add_run(" 页，共 ")
    add_field(foot, "NUMPAGES", "1")
    foot.add_run(" 页")
