"""Front matter validation: every problem reported per file, with field and Chinese reason."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from casefile.parse import CaseFormatError
from casefile.parse import case_files
from casefile.parse import load_case
from cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SHIPPED = Path(__file__).parent.parent / "cases"


def test_good_case_parses_fields_and_sections():
    case = load_case(FIXTURES / "cases" / "changshui-company.md")
    assert case.slug == "changshui-company"
    assert case.region.village == "长水村" and case.region.county == "丙县"
    assert case.models == ("村集体+公司+农户", "土地流转")
    assert [s.heading for s in case.sections] == ["主要做法", "利益联结", "成效"]
    before, after = case.income_before_after()
    assert (before.value, before.year, after.value, after.year) == (5, 2020, 50, None)
    assert len(case.content_hash) == 64


def test_every_problem_in_a_file_is_reported_with_its_field():
    with pytest.raises(CaseFormatError) as info:
        load_case(FIXTURES / "broken" / "bad-fields.md")
    fields = {p.field for p in info.value.problems}
    assert {"id", "title", "kind", "models", "figures[1]", "source", "summary"} <= fields
    reasons = " ".join(p.reason for p in info.value.problems)
    assert "不在词表中" in reasons and "非负数字" in reasons


@pytest.mark.parametrize("name, field, reason", [
    ("bad-yaml.md", "front matter", "YAML"),
    ("no-front-matter.md", "front matter", "缺少"),
])
def test_unreadable_front_matter(name, field, reason):
    with pytest.raises(CaseFormatError) as info:
        load_case(FIXTURES / "broken" / name)
    assert info.value.problems[0].field == field
    assert reason in info.value.problems[0].reason


def test_not_utf8_is_reported(tmp_path):
    path = tmp_path / "gbk.md"
    path.write_bytes("---\nid: x\n---\n正文".encode("gbk"))
    with pytest.raises(CaseFormatError, match="UTF-8"):
        load_case(path)


def test_shipped_library_is_valid():
    files = case_files(SHIPPED)
    cases = [load_case(p) for p in files]
    assert len(cases) >= 13
    assert len({c.slug for c in cases}) == len(cases)
    assert {c.kind for c in cases} == {"case", "practice", "overview"}
    for case in cases:
        assert case.slug == Path(case.path).stem
        assert case.source.document


def test_check_command_reports_each_bad_file_and_fails():
    result = CliRunner().invoke(main, ["check", str(FIXTURES / "broken")])
    assert result.exit_code == 1
    out = result.output
    assert "bad-fields.md: [models]" in out
    assert "bad-yaml.md: [front matter]" in out
    assert "no-front-matter.md: [front matter]" in out
    assert "4 个文件：1 个合格，3 个有问题" in out


def test_check_command_passes_on_the_shipped_library():
    result = CliRunner().invoke(main, ["check", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert "0 个有问题" in result.output


@pytest.mark.parametrize("approx, text", [
    (True, "750余亩"), ("近", "近750亩"), ("以上", "750亩以上"), (None, "750亩"),
])
def test_figure_qualifiers_keep_the_sources_wording(tmp_path, approx, text):
    src = (FIXTURES / "cases" / "hetian-land-park.md").read_text("utf-8")
    value = "true" if approx is True else (approx or "false")
    path = tmp_path / "q.md"
    path.write_text(src.replace("approx: true", f"approx: {value}"), "utf-8")
    land = next(f for f in load_case(path).figures if f.metric == "land")
    assert land.display() == f"流转土地：{text}"


def test_unknown_qualifier_is_a_problem(tmp_path):
    src = (FIXTURES / "cases" / "hetian-land-park.md").read_text("utf-8")
    path = tmp_path / "q.md"
    path.write_text(src.replace("approx: true", "approx: 大约吧"), "utf-8")
    with pytest.raises(CaseFormatError, match="approx"):
        load_case(path)
