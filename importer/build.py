"""From a read document to the import result: units, shared place, drafts, warnings."""

from __future__ import annotations

from pathlib import Path

from importer.document import Document
from importer.drafts import build_draft
from importer.model import ImportFailed
from importer.model import ImportResult
from importer.region import document_place
from importer.split import find_units
from importer.text import sentences_of


def build_result(document: Document, name: str, vocab, analyzer) -> ImportResult:
    """:raise ImportFailed: when the text is empty or describes no case and no line of work."""
    text = document.text()
    if not text.strip():
        raise ImportFailed(f"“{name}”里没有文字")
    units = find_units(document)
    if not any(u.kind in ("case", "practice") for u in units):
        raise ImportFailed(f"没有在“{name}”中找到可识别的案例：既没有以村、镇名称开头的事例，"
                           "也没有分条（一、二、……）写的工作做法")
    sentences = sentences_of(text)
    place = document_place(sentences)
    source_name = document.title or Path(name).stem
    warnings = list(document.warnings)
    if document.title and document.title_from_heading:
        warnings.append(f"文件没有标注标题，来源标题取自文中的标题“{document.title}”，请核对")
    if not document.title:
        warnings.append(f"没有找到中文标题，来源暂记为文件名“{source_name}”，请改成报告的标题")
    holes = [span for u in units if u.kind == "case" for span in u.spans + u.context]
    drafts = [build_draft(u, text, sentences, vocab, place, source_name, holes, analyzer)
              for u in units]
    warnings += _self_check(drafts, text, vocab, analyzer)
    masked = [u for u in units if u.masked]
    if len(masked) > 1:
        warnings.append(f"原文有 {len(masked)} 处隐去名称的“**村”，按不同的村各出一篇草稿，"
                        "请核对是否为同一个村")
    return ImportResult(source_name=name, source_text=text, drafts=drafts, warnings=warnings)


def _self_check(drafts, text: str, vocab, analyzer) -> list[str]:
    """Each draft checked as `casebase check --provenance --source` would: every figure and
    facet value backed by its sentence, every sentence word for word in the source."""
    from casefile.parse import CaseFormatError
    from casefile.parse import parse_case_text
    from casefile.provenance import check_provenance

    out = []
    for draft in drafts:
        try:
            case = parse_case_text(draft.markdown(), draft.slug, vocab)
        except CaseFormatError as exc:
            out.append(f"草稿 {draft.slug}.md 不是合格的案例文件：{exc}")
            continue
        for problem in check_provenance(case, text, analyzer=analyzer):
            out.append(f"草稿 {draft.slug}.md 的 {problem.field} 出处有误：{problem.reason}")
    return out
