"""Builders for the villages-like-mine results (page, /api/v1/recommend)."""

from __future__ import annotations

from flask import url_for
from werkzeug.datastructures import MultiDict

from recommend.engine import MAX_LIMIT
from recommend.engine import recommend
from recommend.profile import VillageProfile
from search.query import QueryError
from web.db import get_session
from web.services import get_service

DEFAULT_LIMIT = 10
CONTROL_ARGS = ("limit",)  # request arguments that are not part of the profile


def parse_limit(args) -> int:
    raw = args.get("limit", str(DEFAULT_LIMIT))
    if not isinstance(raw, str) or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise QueryError({"limit": f"应为 1 到 {MAX_LIMIT} 之间的整数"})
    return int(raw)


def profile_args(args) -> MultiDict:
    """The profile part of the query string; empty form fields are left out."""
    return MultiDict([(k, v) for k, v in args.items(multi=True)
                      if k not in CONTROL_ARGS and v.strip()])


def results_data(profile: VillageProfile, limit: int) -> dict:
    """One dict for the results page and for the JSON twin."""
    found = recommend(get_session(), get_service(), profile, limit)
    args = profile.args()
    return {
        "profile": profile.to_dict(),
        "description": profile.describe(),
        "share_url": url_for("recommend.results", **args),
        "edit_url": url_for("recommend.form", **args),
        "json_url": url_for("api_v1.recommend_get", **args),
        "hits": [dict(r.to_dict(), url=url_for("core.case_page", slug=r.slug)) for r in found],
        "_profile": profile,
    }
