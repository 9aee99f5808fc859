"""The WordprocessingML python-docx has no API for: East Asian fonts, fields, page setup."""

from __future__ import annotations

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph

BODY_FONT = "宋体"  # Word's SimSun; Chinese readers expect a Song face for body text
HEADING_FONT = "黑体"  # SimHei
LATIN_FONT = "Times New Roman"
HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3")
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts in an `w:rPr`, dropping theme fonts that would override the names."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def style_document(doc: Document) -> None:
    """A4 pages, Song body text and Hei headings everywhere, Chinese as the East Asian language."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    for name in HEADING_STYLES:
        style = doc.styles[name]
        set_fonts(style.element.get_or_add_rPr(), HEADING_FONT)
        style.font.color.rgb = RGBColor(0x8E, 0x15, 0x15) if name != "Title" else RGBColor(
            0x22, 0x22, 0x22)
    for name in ("List Bullet", "Table Grid", "Footer", "Quote"):
        set_fonts(doc.styles[name].element.get_or_add_rPr(), BODY_FONT)


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """Append a complex field (PAGE, NUMPAGES, TOC…) that Word computes when it lays out."""
    def fld_char(kind: str):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    begin = paragraph.add_run()
    begin._r.append(fld_char("begin"))
    instr = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    instr._r.append(text)
    paragraph.add_run()._r.append(fld_char("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(fld_char("end"))


def ask_word_to_update_fields(doc: Document) -> None:
    """Word fills the contents and page fields on opening (other readers keep the fallback)."""
    settings = doc.settings.element
    if settings.find(qn("w:updateFields")) is None:
        el = OxmlElement("w:updateFields")
        el.set(qn("w:val"), "true")
        settings.append(el)


def run_fonts(run, east_asia: str = BODY_FONT) -> None:
    set_fonts(run._r.get_or_add_rPr(), east_asia)
