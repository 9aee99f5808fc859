"""Builders for a course pack and the side-by-side comparison (pages and /api/v1 twins)."""

from __future__ import annotations

from flask import request
from flask import url_for

from handouts.compare import MAX_COMPARE
from handouts.compare import MIN_COMPARE
from handouts.compare import check_compare_count
from handouts.compare import comparison
from handouts.content import discussion_questions
from handouts.pack import MAX_CASES
from handouts.pack import Pack
from handouts.pack import decode
from handouts.pack import encode
from handouts.pack import load_cases
from handouts.pack import pack_contents
from handouts.pack import parse_ids
from web.pages.case import current_catalog


def pack_data(pack: Pack) -> dict:
    """The pack, its cases in order, the ids the library lacks, and the links that act on it."""
    cases, missing = pack_contents(current_catalog(), list(pack.ids))
    token = encode(pack)
    links = {"share": url_for("trainer.pack_page", p=token, _external=True),
             "api": url_for("api_v1.pack", p=token)}
    if cases and not missing:
        links["handout"] = url_for("trainer.handout_page", p=token)
        links["docx"] = url_for("trainer.handout_docx", p=token)
    if MIN_COMPARE <= len(cases) <= MAX_COMPARE and not missing:
        links["compare"] = url_for("trainer.compare_page", p=token)
    keys = ("id", "title", "kind_label", "region_label", "summary", "citation", "figures")
    return {
        "title": pack.title, "display_title": pack.display_title, "notes": pack.notes,
        "ids": list(pack.ids), "token": token, "count": len(pack.ids), "max_cases": MAX_CASES,
        "cases": [dict({k: c[k] for k in keys},
                       url=url_for("core.case_page", slug=c["id"], p=token),
                       questions=discussion_questions(c)) for c in cases],
        "missing": missing, "links": links,
    }


def compare_data() -> dict:
    token = request.args.get("p", "")
    values = request.args.getlist("ids")
    ids = parse_ids(values) if values else list(decode(token).ids)
    check_compare_count(len(ids))  # before loading: five ids are a 400 even if unknown
    data = comparison(load_cases(current_catalog(), ids))
    for case in data["cases"]:
        case["url"] = url_for("core.case_page", slug=case["id"])
    data["pack_url"] = url_for("trainer.pack_page", p=token) if token else None
    return data
