"""Every kind of bad upload gets one clear Chinese sentence and writes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from pypdf import PdfWriter

from analysis.analyzer import Analyzer
from analysis.vocabulary import load_vocabulary
from importer import ImportFailed
from importer import import_file

ANALYZER = Analyzer()  # the shipped data files, loaded on first use

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO.parent / "shared" / "source" / "city-report.md"
SAMPLE = ("二、抓“三资”盘活，提升致富增收“内生力”。\n"
          "比如，银田村通过合作社分包流转土地750余亩，外包租赁村民闲置房屋62户，"
          "助推村集体经济收入增长近20万元。\n"
          "三、抓群众参与，提升共建共享“凝聚力”。\n"
          "长湖村通过流转抛荒土地，吸纳30余农户就业，村级集体经济收入从2020年的5万元增长至现在的50万元。\n")


def pdf_bytes(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A .docx whose document.xml inflates a thousandfold: refused before any of it is read."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<" + b"a" * 30_000_000 + b">")
    return out.getvalue()


def docx_without_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "这不是 Word 文件")
    return out.getvalue()


BAD = [
    ("encrypted.pdf", lambda: pdf_bytes("secret"), "加密"),
    ("corrupt.pdf", lambda: b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 9 0 R>>\nxref\ntrailer",
     "已损坏"),
    ("fake.pdf", lambda: b"MZ\x90\x00 this is an executable", "已损坏"),
    ("scanned.pdf", lambda: pdf_bytes(), "没有文字层"),
    ("notzip.docx", lambda: "这只是改了扩展名的文本".encode(), "不是有效的 Word"),
    ("nodocument.docx", docx_without_document, "不是有效的 Word"),
    ("bomb.docx", zip_bomb, "压缩炸弹"),
    ("tool.exe", lambda: b"MZ\x90\x00", "不支持的文件类型"),
    ("old.doc", lambda: b"\xd0\xcf\x11\xe0", "另存为”.docx"),
    ("noext", lambda: SAMPLE.encode(), "没有扩展名"),
    ("empty.txt", lambda: b"", "是空的"),
    ("binary.txt", lambda: "长湖村\x00\x01".encode(), "空字符"),
    ("garbage.txt", lambda: b"\x00\x01\x02\xff\xfe\x00", "编码"),
    ("plain.txt", lambda: "今天开了一个会。大家都发了言，会议很成功。\n".encode(),
     "没有在“plain.txt”中找到可识别的案例"),
    ("latin.txt", lambda: bytes(range(0x80, 0x100)) * 4, "编码"),
]


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.mark.parametrize("name, make, words", BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_refused_with_a_chinese_message(tmp_path, vocab, name, make, words):
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(ImportFailed) as caught:
        import_file(path, vocab, analyzer=ANALYZER)
    assert words in caught.value.message
    assert f"“{name}”" in caught.value.message
    assert str(caught.value) == caught.value.message


def test_a_50_mb_file_is_refused_before_reading(tmp_path, vocab):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: nothing is written, the size is what counts
    with pytest.raises(ImportFailed, match="超过 20 MB 的上限"):
        import_file(path, vocab, analyzer=ANALYZER)


def test_original_name_picks_the_reader_for_a_temporary_upload(tmp_path, vocab):
    path = tmp_path / "upload-123.tmp"
    path.write_text(SAMPLE, encoding="utf-8")
    result = import_file(path, vocab, analyzer=ANALYZER, original_name="报告.txt")
    assert result.source_name == "报告.txt"
    with pytest.raises(ImportFailed, match="不支持的文件类型"):
        import_file(path, vocab, analyzer=ANALYZER)


def test_gbk_text_is_read_and_flagged(tmp_path, vocab):
    path = tmp_path / "gbk.txt"
    path.write_bytes(SAMPLE.encode("gbk"))
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert any("GBK" in w for w in result.warnings)
    names = {d.meta["region"].get("village") for d in result.drafts if d.kind == "case"}
    assert names == {"银田村", "长湖村"}
    figures = {(f["value"], f["unit"]) for d in result.drafts for f in d.meta.get("figures", [])}
    assert {(750, "亩"), (50, "万元"), (30, "户")} <= figures


def test_gbk_web_page_declares_its_charset(tmp_path, vocab):
    html = ("<html><head><meta charset='gb2312'><script>alert(1)</script></head><body>"
            + "".join(f"<p>{line}</p>" for line in SAMPLE.splitlines())
            + "<p><img src=x onerror=alert(2)>长湖村的图片</p></body></html>")
    path = tmp_path / "page.htm"
    path.write_bytes(html.encode("gb18030"))
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert "银田村" in result.source_text and "alert" not in result.source_text
    assert all("onerror" not in d.markdown() and "<img" not in d.markdown()
               for d in result.drafts)


def test_script_only_web_page_has_no_text(tmp_path, vocab):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><script>alert('长湖村')</script></body></html>", "utf-8")
    with pytest.raises(ImportFailed, match="没有可读的正文"):
        import_file(path, vocab, analyzer=ANALYZER)


def test_html_in_a_text_report_stays_text(tmp_path, vocab):
    """Markdown bodies render with html=False; the importer also escapes < so nothing runs."""
    path = tmp_path / "report.md"
    path.write_text(SAMPLE.replace("吸纳30余农户就业", "吸纳30余农户就业<script>alert(1)</script>"),
                    encoding="utf-8")
    drafts = import_file(path, vocab, analyzer=ANALYZER).drafts
    draft = next(d for d in drafts if "长湖村" in d.title)
    assert "<script>" not in draft.body


def test_a_corrupt_docx_inside_a_valid_zip(tmp_path, vocab):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types")
        zf.writestr("word/document.xml", "<w:document>")
    path = tmp_path / "broken.docx"
    path.write_bytes(out.getvalue())
    with pytest.raises(ImportFailed, match="损坏|不是有效的 Word"):
        import_file(path, vocab, analyzer=ANALYZER)


def test_docx_with_headings_per_village(tmp_path, vocab):
    document = docx.Document()
    document.add_heading("某县村级集体经济典型案例汇编", level=1)
    document.add_heading("长湖村：流转抛荒地", level=2)
    document.add_paragraph("该村通过流转抛荒土地，吸纳30余农户就业。")
    document.add_paragraph("村级集体经济收入从2020年的5万元增长至现在的50万元。")
    document.add_heading("瓦坪村：村社联营", level=2)
    document.add_paragraph("推行“村社联营”模式，村集体经济收入增长近20万元。")
    path = tmp_path / "cases.docx"
    document.save(str(path))
    result = import_file(path, vocab, analyzer=ANALYZER)
    drafts = {d.meta["region"]["village"]: d for d in result.drafts}
    assert set(drafts) == {"长湖村", "瓦坪村"}
    changhu = {(f["value"], f["unit"]) for f in drafts["长湖村"].meta["figures"]}
    assert changhu == {(30, "户"), (5, "万元"), (50, "万元")}
    assert drafts["瓦坪村"].meta["models"] == ["村社联营"]
    assert result.drafts[0].meta["source"]["document"] == "某县村级集体经济典型案例汇编"


def test_cli_reports_each_failure_and_exits_1(tmp_path):
    from cli import main

    bad = tmp_path / "encrypted.pdf"
    bad.write_bytes(pdf_bytes("secret"))
    good = tmp_path / "good.txt"
    good.write_text(SAMPLE, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["import", str(bad), str(good), "--out", str(out)])
    assert result.exit_code == 1
    assert "导入失败：“encrypted.pdf”是加密的 PDF" in result.output
    assert "good.txt：写出草稿" in result.output
    assert not any(p.name.startswith("encrypted") for p in out.iterdir())


def test_run_on_sentences_and_old_years_still_make_valid_drafts(tmp_path, vocab):
    """Quotes stay within the parser's 1000 characters; 1921 is no case year (1949-2100)."""
    from casefile.parse import parse_case_text
    from casefile.provenance import check_provenance

    filler = "，".join(["坚持党建引领发展壮大集体经济"] * 90)
    text = (f"比如，红星村始建于1921年，{filler}，流转土地300余亩，{filler}，"
            "村集体经济收入达到45万元。\n")
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    result = import_file(path, vocab, analyzer=ANALYZER)
    (draft,) = result.drafts
    case = parse_case_text(draft.markdown(), draft.slug, vocab)
    assert case.years == ()
    assert {(f.value, f.unit) for f in case.figures} == {(300, "亩"), (45, "万元")}
    assert all(len(f.quote) <= 1000 and f.quote in text for f in case.figures)
    assert check_provenance(case, text, analyzer=ANALYZER) == []


@pytest.mark.browser
def test_scanned_pdf_is_read_by_ocr_and_flagged(tmp_path, vocab):
    """A PDF holding only a picture of the text: tesseract reads it, the editor is warned."""
    import base64

    from browser_support import launch_chromium

    lines = "".join(f"<p>{line}</p>" for line in SAMPLE.splitlines())
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1000, "height": 400})
        page.set_content("<body style='font-size:22px;width:900px'>" + lines + "</body>")
        png = base64.b64encode(page.screenshot(full_page=True)).decode()
        page.set_content(f"<body style='margin:0'><img style='width:100%' "
                         f"src='data:image/png;base64,{png}'></body>")
        pdf = page.pdf(format="A4")
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf)
    from pypdf import PdfReader

    assert not PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip()  # no text layer
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert any("文字识别" in w for w in result.warnings)
    villages = {d.meta["region"].get("village") for d in result.drafts if d.kind == "case"}
    assert {"银田村", "长湖村"} <= villages
    figures = {(f["value"], f["unit"]) for d in result.drafts for f in d.meta.get("figures", [])}
    assert {(62, "户"), (30, "户")} <= figures


def test_docx_tables_are_read_in_place(tmp_path, vocab):
    document = docx.Document()
    document.add_heading("典型村情况表", level=1)
    document.add_paragraph("下表列出两个村的做法。")
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("长湖村", "流转抛荒土地", "收入50万元"),
                                       ("瓦坪村", "村社联营", "收入增长近20万元")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("以上情况供参考。")
    path = tmp_path / "table.docx"
    document.save(str(path))
    result = import_file(path, vocab, analyzer=ANALYZER)
    lines = result.source_text.splitlines()
    assert lines[2] == "长湖村，流转抛荒土地，收入50万元" and lines[-1] == "以上情况供参考。"
    figures = {d.meta["region"]["village"]: [(f["value"], f["unit"]) for f in d.meta["figures"]]
               for d in result.drafts}
    assert figures == {"长湖村": [(50, "万元")], "瓦坪村": [(20, "万元")]}


def test_web_page_with_line_breaks_for_paragraphs(tmp_path, vocab):
    body = "<br>\n".join(SAMPLE.splitlines())
    path = tmp_path / "br.html"
    path.write_text(f"<html><body><div class='TRS_Editor'>{body}</div></body></html>", "utf-8")
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert result.source_text.splitlines() == SAMPLE.splitlines()
    assert [d.kind for d in result.drafts] == ["practice", "practice", "case", "case"]
