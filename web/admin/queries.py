"""/admin/queries: searches that found nothing, and the dictionary edits that fix them.

The editor picks a query, types dictionary words or a synonym group, sees the query's words
before and after (a preview that changes nothing), and saves: the editable data file is
written, a revision recorded and a full reindex started (every case is analysed again).
"""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import request
from flask import url_for

from analysis.segment import SHIPPED_DATA_DIR
from editorial import datafiles
from editorial.report import dismiss_query
from editorial.report import missed_queries
from search.engine import run_search
from search.query import QueryError
from search.query import parse_query
from web.admin.services import data_dir
from web.admin.services import respond
from web.admin.services import start_reindex
from web.admin.services import user_name
from web.admin.services import vocab
from web.db import get_session
from web.errors import error_response
from web.errors import wants_json
from web.params import parse_int
from web.services import get_service
from web.services import get_services

MAX_QUERY = 200
BOXES = ("words", "group", "phrases", "concepts")  # the form's text boxes
HAS_CONCEPTS = "concepts.yaml" in datafiles.FILES


def direct_total(text: str) -> int:
    """Cases that answer `text` now (the search's direct tier), so a fixed query drops off."""
    try:
        query = parse_query({"q": text})
    except QueryError:
        return 1  # not a searchable text: nothing the dictionary could fix
    return run_search(get_service(), query, "hybrid").total


def queries():
    days = parse_int(request.args.get("days"), "days", low=1, high=90, default=7, label="天数")
    missed = missed_queries(get_session(), direct_total, days)
    return respond("admin/queries.html", {"days": days, "queries": [
        {"query": m.query, "count": m.count, "total": m.total,
         "edit_url": url_for("admin.query_edit", q=m.query)} for m in missed]})


def dismiss():
    """不属于本库范围: the query leaves the report (the library should not answer it)."""
    q = request.form.get("q", "").strip()
    if not q or len(q) > MAX_QUERY:
        return error_response(400, "请选择要标记的搜索词", {"q": "缺少"})
    dismiss_query(get_session(), q, user_name())
    if wants_json():
        return respond("admin/queries.html", {"dismissed": q})
    return redirect(url_for("admin.queries"))


def words_of(tokens) -> list[str]:
    return [t.text for t in tokens if t.main]


def concepts_of(q: str, lexicon=None) -> list[str] | None:
    """The concepts the lexicon finds in `q` (None without a concept lexicon)."""
    if not HAS_CONCEPTS:
        return None
    from analysis.concepts import tag_text

    return sorted({m.concept for m in tag_text(q, lexicon or get_services().analyzer.lexicon)})


def edit_data(form) -> tuple[dict, dict]:
    """The edit form's state and its errors; `after` is the preview (nothing is written)."""
    q = form.get("q", "")[:MAX_QUERY]
    data = {"q": q, **{k: form.get(k, "") for k in BOXES},
            "before": words_of(get_services().analyzer.analyze(q, mode="query")), "after": None,
            "concepts_before": concepts_of(q), "has_concepts": HAS_CONCEPTS, "concepts_after": None}
    errors: dict[str, str] = {}
    parsed = {}
    for key in BOXES:
        try:
            parsed[key] = datafiles.parse_words(data[key])
        except datafiles.DataEditError as exc:
            errors[key], parsed[key] = str(exc), []
    data["_parsed"] = parsed
    if parsed["words"] or parsed["group"]:
        groups = [parsed["group"]] if parsed["group"] else []
        data["after"] = words_of(get_services().analyzer.preview(q, parsed["words"], groups))
    if (parsed["phrases"] or parsed["concepts"]) and not HAS_CONCEPTS:
        errors["concepts"] = "这个版本没有概念词表"
    elif parsed["phrases"] or parsed["concepts"]:
        try:
            text = datafiles.with_concept(datafiles.current_text(_folder(), "concepts.yaml"),
                                          parsed["phrases"], parsed["concepts"], vocab())
            data["concepts_after"] = concepts_of(q, datafiles.lexicon_from_text(text))
        except datafiles.DataEditError as exc:
            errors["concepts"] = str(exc)
    return data, errors


def _folder():
    """The editable folder, or the shipped files' folder for a preview when none is set."""
    try:
        return data_dir()
    except RuntimeError:
        return SHIPPED_DATA_DIR


def query_edit():
    data, errors = edit_data(request.args)
    return respond("admin/query_edit.html", dict(data, errors=errors))


def query_save():
    data, errors = edit_data(request.form)
    parsed = data.pop("_parsed")
    if not errors and not any(parsed.values()):
        errors["words"] = "请填写要加入词典的词、一组同义词或一个概念词条"
    try:
        changed = _apply(parsed) if not errors else []
    except datafiles.DataEditError as exc:
        errors["save"] = str(exc)
    if errors:
        if wants_json():
            return error_response(400, "没有保存：请改正标出的问题", errors)
        return respond("admin/query_edit.html", dict(data, errors=errors), 400)
    job = start_reindex(f"词典修改（{'、'.join(changed)}）", rebuild=True)
    if wants_json():
        return respond("admin/job.html", {"changed": changed, "job": {"id": job.id}}, 202)
    return redirect(url_for("admin.job", job_id=job.id))


def _apply(parsed: dict[str, list[str]]) -> list[str]:
    """Write each edited file (all checks first, so a refused edit writes nothing)."""
    session, folder, new = get_session(), data_dir(), {}
    words, group = parsed["words"], parsed["group"]
    if words:
        text = datafiles.current_text(folder, "userdict.txt")
        for w in words:
            text = datafiles.with_word(text, w)
        new["userdict.txt"] = text
    if group:
        new["synonyms.txt"] = datafiles.with_group(
            datafiles.current_text(folder, "synonyms.txt"), group)
    if parsed["phrases"] or parsed["concepts"]:
        new["concepts.yaml"] = datafiles.with_concept(
            datafiles.current_text(folder, "concepts.yaml"), parsed["phrases"],
            parsed["concepts"], vocab())
    for name, text in new.items():
        datafiles.save(session, folder, name, text, user_name())
    return list(new)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/queries", "queries", queries)
    bp.add_url_rule("/queries/dismiss", "query_dismiss", dismiss, methods=["POST"])
    bp.add_url_rule("/queries/edit", "query_edit", query_edit)
    bp.add_url_rule("/queries/edit", "query_save", query_save, methods=["POST"])
