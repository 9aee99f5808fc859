"""Builders for the villages-like-mine results (page, /api/v1/recommend)."""

from __future__ import annotations

from flask import url_for
from werkzeug.datastructures import MultiDict

from recommend.engine import MAX_LIMIT
from recommend.engine import common_reasons
from recommend.engine import recommend
from recommend.profile import VillageProfile
from recommend.side_by_side import side_by_side
from search.query import QueryError
from web.db import get_session
from web.services import get_service

DEFAULT_LIMIT = 10
CONTROL_ARGS = ("limit", "compare")  # request arguments that are not part of the profile


def parse_limit(args) -> int:
    raw = args.get("limit", str(DEFAULT_LIMIT))
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()) or not (
            1 <= int(raw) <= MAX_LIMIT):
        raise QueryError({"limit": f"应为 1 到 {MAX_LIMIT} 之间的整数"})
    return int(raw)


def profile_args(args) -> MultiDict:
    """The profile part of the query string; empty form fields are left out."""
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k not in CONTROL_ARGS and v.strip()])


def results_data(profile: VillageProfile, limit: int) -> dict:
    """One dict for the results page and for the JSON twin."""
    found = recommend(get_session(), get_service(), profile, limit)
    common = common_reasons(found)  # said once above the list, not on every card
    args = profile.args()
    return {
        "profile": profile.to_dict(),
        "description": profile.describe(),
        "common_reasons": common,
        "share_url": url_for("recommend.results", **args),
        "edit_url": url_for("recommend.form", **args),
        "json_url": url_for("api_v1.recommend_get", **args),
        "hits": [dict(r.to_dict(), url=url_for("core.case_page", slug=r.slug),
                      compare_url=url_for("recommend.versus", slug=r.slug, **args))
                 for r in found],
        "_profile": profile,
    }


def versus_data(profile: VillageProfile, slug: str) -> dict | None:
    """和我村比较: the profile and one case side by side; None when the case is unknown."""
    case = get_service().generation().case(slug)
    if case is None:
        return None
    rows = side_by_side(profile, case)
    args = profile.args()
    return {
        "profile": profile.to_dict(), "description": profile.describe(),
        "case": {"id": slug, "title": case.title, "url": url_for("core.case_page", slug=slug)},
        "rows": [vars(r) for r in rows],
        "counts": {s: sum(r.status == s for r in rows) for s in ("相同", "不同", "本村缺少")},
        "edit_url": url_for("recommend.form", compare=slug, **args),
        "results_url": url_for("recommend.results", **args),
    }
