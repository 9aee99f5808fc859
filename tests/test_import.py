"""Importing the city report (as Markdown, Word, a web page) yields the library's cases, each
figure and facet quoted from the source. The report is read from ../shared at run time."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from analysis.analyzer import Analyzer
from analysis.vocabulary import load_vocabulary
from casefile.parse import load_case
from casefile.parse import parse_case_text
from casefile.provenance import check_provenance
from importer import import_file

ANALYZER = Analyzer()  # the shipped data files, loaded on first use

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO.parent / "shared" / "source" / "city-report.md"
VILLAGES = {"长湖村", "银田村", "韶阳村", "瓦坪村"}

pytestmark = pytest.mark.skipif(not REPORT.is_file(), reason="../shared/source 不在本机")


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.fixture(scope="module")
def md_result(vocab):
    return import_file(REPORT, vocab, analyzer=ANALYZER)


def report_docx(path: Path) -> Path:
    """The report as Word: its first line as a title, each paragraph a Word paragraph."""
    lines = [x for x in REPORT.read_text(encoding="utf-8").splitlines() if x.strip()]
    document = docx.Document()
    document.add_heading("**市党建引领村级集体经济发展工作报告", level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def written_forms(value: float) -> set[str]:
    """How a source may write the number: 50, 7.5万 (75000), 11.08万 (110800)."""
    forms = {f"{value:g}"}
    if value >= 10_000:
        forms.add(f"{value / 10_000:g}万")
    return forms


def cases_by_place(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for d in result.drafts:
        region = d.meta.get("region", {})
        key = region.get("village") or region.get("township")
        if d.kind == "case" and key:
            out.setdefault(key, []).append(d)
    return out


def test_the_seven_cases_of_the_library_come_out(md_result):
    places = cases_by_place(md_result)
    assert VILLAGES <= set(places)
    assert "清溪镇" in places
    assert places["瓦坪村"][0].meta["region"]["township"] == "杨林乡"
    masked = places["**村"]  # two different masked villages: never merged, never unmasked
    assert len(masked) == 2
    assert any("韶源村" in d.meta["summary"] for d in masked)
    assert any("百村案例" in d.meta["summary"] for d in masked)
    assert sum(d.kind == "practice" for d in md_result.drafts) == 5  # 一、…五、 lines of work


def test_every_draft_is_a_valid_case_file(md_result, vocab, tmp_path):
    for draft in md_result.drafts:
        case = parse_case_text(draft.markdown(), draft.slug, vocab)
        assert case.slug == draft.slug and case.body.strip()
        assert case.region.province == "湖南省" and case.region.city == "**市"
        path = tmp_path / f"{draft.slug}.md"
        path.write_text(draft.markdown(), encoding="utf-8")
        assert load_case(path, vocab).figures == case.figures


def test_drafts_pass_the_provenance_check_of_shipped_cases(md_result, vocab, tmp_path):
    result = import_file(report_docx(tmp_path / "report.docx"), vocab, analyzer=ANALYZER)
    for res in (md_result, result):
        for draft in res.drafts:
            case = parse_case_text(draft.markdown(), draft.slug, vocab)
            assert check_provenance(case, res.source_text, analyzer=ANALYZER) == [], draft.slug
    for draft in md_result.drafts:  # quotes are word for word from the report itself
        case = parse_case_text(draft.markdown(), draft.slug, vocab)
        source = REPORT.read_text(encoding="utf-8")
        assert check_provenance(case, source, analyzer=ANALYZER) == [], draft.slug


def test_every_figure_is_quoted_from_the_source(md_result):
    figures = [f for d in md_result.drafts for f in d.meta.get("figures", [])]
    assert figures
    for fig in figures:
        assert fig["quote"] in md_result.source_text
        assert any(form in fig["quote"] for form in written_forms(fig["value"])), fig
        if fig.get("approx"):
            assert fig["approx"] in fig["quote"]
        if fig.get("year"):
            assert str(fig["year"]) in fig["quote"]


def test_every_facet_value_has_a_sentence_that_names_it(md_result):
    for draft in md_result.drafts:
        evidence = draft.meta.get("evidence", {})
        for facet in ("models", "industries", "resources"):
            assert set(draft.meta.get(facet, [])) == set(evidence.get(facet, {}))
            for quote in evidence.get(facet, {}).values():
                assert quote in md_result.source_text and quote in draft.sentences


def shipped_figures(slug: str, vocab) -> set[tuple]:
    case = load_case(REPO / "cases" / f"{slug}.md", vocab)
    return {(f.value, f.unit, f.approx, f.year) for f in case.figures}


def draft_figures(draft) -> set[tuple]:
    return {(float(f["value"]), f["unit"], f.get("approx", ""), f.get("year"))
            for f in draft.meta.get("figures", [])}


@pytest.mark.parametrize("place, slug", [
    ("长湖村", "changhu-company"),
    ("银田村", "yintian-industrial-park"),
    ("韶阳村", "shaoyang-mineral-water-solar"),
])
def test_village_drafts_hold_the_shipped_figures(md_result, vocab, place, slug):
    draft = cases_by_place(md_result)[place][0]
    assert shipped_figures(slug, vocab) <= draft_figures(draft)


def test_figures_are_normalised_as_the_library_writes_them(md_result, vocab):
    found = set().union(*(draft_figures(d) for d in md_result.drafts))
    assert (75000.0, "亩", "余", None) in found  # 7.5万余亩
    assert (110800.0, "人", "", None) in found  # 11.08万人
    assert (100.0, "万元", "余", None) in found  # 100万余元 stays in 万元
    assert (20.0, "万元", "近", None) in found
    changhu = draft_figures(cases_by_place(md_result)["长湖村"][0])
    assert {(5.0, "万元", "", 2020), (50.0, "万元", "", None)} <= changhu
    shipped = set()
    for path in sorted((REPO / "cases").glob("*.md")):
        shipped |= {(f.value, f.unit) for f in load_case(path, vocab).figures}
    assert shipped <= {(v, u) for v, u, _, _ in found}


def test_changhu_facets_come_with_their_sentence(md_result):
    draft = cases_by_place(md_result)["长湖村"][0]
    assert {"村集体+公司+农户", "土地流转"} <= set(draft.meta["models"])
    assert "抛荒地" in draft.meta["resources"]
    assert "长湖村" in draft.meta["evidence"]["region"]
    assert draft.meta["years"] == [2020]
    assert "source" in draft.meta and "publisher" not in draft.meta["source"]


def test_docx_of_the_report_gives_the_same_drafts(md_result, vocab, tmp_path):
    result = import_file(report_docx(tmp_path / "report.docx"), vocab, analyzer=ANALYZER)
    assert result.drafts[0].meta["source"]["document"] == "**市党建引领村级集体经济发展工作报告"
    assert len(result.drafts) == len(md_result.drafts)
    assert [draft_figures(d) for d in result.drafts] == [draft_figures(d) for d in md_result.drafts]
    assert set(cases_by_place(result)) == set(cases_by_place(md_result))


def test_web_page_of_the_report_reads_without_its_scripts(md_result, vocab, tmp_path):
    paragraphs = [x for x in REPORT.read_text(encoding="utf-8").splitlines()[1:] if x.strip()]
    page = ("<html><head><title>**市党建引领村级集体经济发展工作报告</title>"
            "<script>alert('x')</script></head><body><nav>首页 新闻</nav><article>"
            + "".join(f"<p onclick=\"steal()\">{p}</p>" for p in paragraphs)
            + "<script>document.cookie</script></article></body></html>")
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert "alert" not in result.source_text and "cookie" not in result.source_text
    assert all("steal" not in d.markdown() for d in result.drafts)
    assert set(cases_by_place(result)) == set(cases_by_place(md_result))


def test_gbk_text_of_the_report_gives_the_same_cases(md_result, vocab, tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(REPORT.read_text(encoding="utf-8").encode("gbk"))
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert any("GBK" in w for w in result.warnings)
    assert set(cases_by_place(result)) == set(cases_by_place(md_result))
    found = set().union(*(draft_figures(d) for d in result.drafts))
    assert set().union(*(draft_figures(d) for d in md_result.drafts)) == found


@pytest.mark.browser
def test_pdf_printed_by_chromium_gives_the_same_cases(md_result, vocab, tmp_path):
    """A PDF with a text layer (Chromium prints the report to A4; pypdf reads it back)."""
    from browser_support import launch_chromium

    paragraphs = [x for x in REPORT.read_text(encoding="utf-8").splitlines()[1:] if x.strip()]
    html = ("<html><head><meta charset='utf-8'></head><body>"
            "<h1>**市党建引领村级集体经济发展工作报告</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>")
    with launch_chromium() as browser:
        page = browser.new_page()
        page.set_content(html)
        pdf = page.pdf(format="A4")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = import_file(path, vocab, analyzer=ANALYZER)
    assert result.drafts[0].meta["source"]["document"] == "**市党建引领村级集体经济发展工作报告"
    assert set(cases_by_place(result)) == set(cases_by_place(md_result))
    assert sum(d.kind == "practice" for d in result.drafts) == 5
    found = set().union(*(draft_figures(d) for d in result.drafts))
    assert set().union(*(draft_figures(d) for d in md_result.drafts)) == found
    for draft in result.drafts:
        case = parse_case_text(draft.markdown(), draft.slug, vocab)
        assert check_provenance(case, result.source_text, analyzer=ANALYZER) == [], draft.slug


def test_cli_writes_drafts_that_check_accepts(tmp_path):
    from cli import main

    out = tmp_path / "drafts"
    runner = CliRunner()
    result = runner.invoke(main, ["import", str(REPORT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "写出草稿 13 篇" in result.output
    checked = runner.invoke(main, ["check", str(out), "--provenance", "--source", str(REPORT)])
    assert checked.exit_code == 0, checked.output
    assert "13 个合格" in checked.output
    again = runner.invoke(main, ["import", str(REPORT), "--out", str(out)])
    assert again.exit_code == 0 and "写出草稿 13 篇" in again.output  # same files: rewritten


def test_cli_never_overwrites_an_edited_draft(tmp_path):
    from cli import main

    out = tmp_path / "drafts"
    runner = CliRunner()
    runner.invoke(main, ["import", str(REPORT), "--out", str(out)])
    edited = sorted(out.glob("case-*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n编辑改过。\n", encoding="utf-8")
    result = runner.invoke(main, ["import", str(REPORT), "--out", str(out)])
    assert "未覆盖" in result.output
    assert edited.read_text(encoding="utf-8").endswith("编辑改过。\n")
