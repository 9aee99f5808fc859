"""The OpenAPI 3.1 document of /api/v1, built in code next to the views it describes.

tests/test_api_v1.py checks it three ways: it validates as OpenAPI, its paths are exactly the
/api/v1 rules of the app, and real responses validate against the documented schemas.
"""

from __future__ import annotations

from search.query import INCOME_BUCKETS
from search.query import LIST_FILTERS
from search.query import MAX_PAGE
from search.query import MAX_PER_PAGE
from search.query import MAX_QUERY_CHARS

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
STR_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
NUM_OR_NULL = {"type": ["number", "null"]}
STRINGS = {"type": "array", "items": STR}
URL = {"type": "string", "format": "uri"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None, extra: bool = True) -> dict:
    """An object schema: every key of `required` must be present."""
    schema = {"type": "object", "required": list(required),
              "properties": {**required, **(optional or {})}}
    if not extra:
        schema["additionalProperties"] = False
    return schema


SCHEMAS = {
    "Error": obj({"ok": {"const": False}, "error": STR,
                  "errors": {"type": "object", "additionalProperties": STR},
                  "status": INT}),
    "FacetValue": obj({"value": STR, "label": STR, "count": INT, "selected": BOOL}),
    "Facet": obj({"label": STR, "values": {"type": "array", "items": ref("FacetValue")}}),
    "Facets": {"type": "object", "additionalProperties": ref("Facet")},
    "Evidence": obj({"keyword_rank": INT_OR_NULL, "keyword_score": NUM_OR_NULL,
                     "vector_rank": INT_OR_NULL, "vector_score": NUM_OR_NULL,
                     "exact": BOOL, "coverage": NUM,
                     "concept_score": {
                         "type": "number",
                         "description": "查询中的需求有多大比例由本案例的概念回答（0–1）"},
                     "concepts": {"type": "array",
                                  "items": obj({"need": STR, "concepts": STRINGS})},
                     "reasons": {
                         "type": "array", "items": STR,
                         "description": "按条件、按需求匹配的说明，"
                                        "如：按需求匹配：土地托管（“地没人种”）"}}),
    "Hit": obj({
        "id": STR, "title": STR,
        "title_html": {"type": "string", "description": "转义后的标题，命中词以 <mark> 标出"},
        "kind": STR, "kind_label": STR, "summary": STR,
        "region": {"type": "object", "additionalProperties": STR_OR_NULL},
        "region_label": STR,
        "why": {"type": "array", "items": STR,
                "description": "为何找到这篇，用大白话说："
                               "如“标题和正文都提到：光伏”“按需求匹配：土地流转”"},
        "snippet": {"type": "string", "description": "转义后的摘录，只含 <mark> 标签"},
        "snippet_section": STR_OR_NULL, "score": NUM, "matched": STRINGS,
        "tier": {"enum": ["direct", "related"],
                 "description": "direct：回答了查询；related：只是内容相近，可能相关"},
        "evidence": ref("Evidence"), "models": STRINGS, "resources": STRINGS,
        "industries": STRINGS, "income_before": NUM_OR_NULL, "income_after": NUM_OR_NULL,
        "income_before_year": INT_OR_NULL, "income_after_year": INT_OR_NULL,
        "url": URL}),
    "SearchResult": obj({
        "query": STR, "description": STR, "words": STRINGS,
        "filters": {"type": "object", "additionalProperties": STRINGS},
        "income_min": NUM_OR_NULL, "income_max": NUM_OR_NULL,
        "mode": {"enum": ["hybrid", "keyword", "vector"]},
        "total": {"type": "integer", "description": "直接相关（tier=direct）的案例数"},
        "related_total": {"type": "integer",
                          "description": "可能相关（tier=related）的案例数，排在直接相关之后"},
        "suggestions": {"type": "array", "items": STR,
                        "description": "没有直接相关的案例时，可改用的检索说法（来自概念词表）"},
        "page": INT, "per_page": INT, "pages": INT,
        "hits": {"type": "array", "items": ref("Hit"),
                 "description": "本页结果：先直接相关，后可能相关"},
        "facets": ref("Facets"), "notices": STRINGS, "generation": STR}),
    "Figure": obj({"label": STR, "value": NUM, "unit": STR, "year": INT_OR_NULL,
                   "metric": STR_OR_NULL, "approx": STR, "text": STR}, {
                   "quote": {"type": ["string", "null"], "description": "数字所出自的来源原句"}}),
    "Chart": obj({"key": STR, "title": STR, "unit": STR, "description": STR,
                  "bars": {"type": "array", "items": obj({
                      "group": STR, "label": STR, "value": NUM, "text": STR,
                      "kind": {"enum": ["before", "after", "increase", "growth", "count"]}})},
                  "notes": STRINGS}, {"width": NUM}),
    "Income": obj({"charts": {"type": "array", "items": ref("Chart")}, "sentences": STRINGS}),
    "Case": obj({
        "id": STR, "title": STR, "kind": STR, "kind_label": STR,
        "region": {"type": "object", "additionalProperties": STR_OR_NULL},
        "region_label": STR,
        "region_parts": {"type": "array", "items": obj({"level": STR, "value": STR})},
        "terrain": STR_OR_NULL, "years": {"type": "array"}, "models": STRINGS,
        "industries": STRINGS, "resources": STRINGS, "tags": STRINGS, "summary": STR,
        "figures": {"type": "array", "items": ref("Figure")},
        "income_before": NUM_OR_NULL, "income_before_year": INT_OR_NULL,
        "income_after": NUM_OR_NULL, "income_after_year": INT_OR_NULL,
        "source": obj({"document": STR, "publisher": STR_OR_NULL, "date": STR_OR_NULL}),
        "citation": STR,
        "evidence": {"type": "object", "description": "字段 → 值 → 依据的来源原句",
                     "additionalProperties": {"type": "object", "additionalProperties": STR}},
        "income": ref("Income"),
        "sections": {"type": "array", "items": obj({
            "heading": STR, "markdown": STR,
            "html": {"type": "string", "description": "经过净化的 HTML"}})},
        "url": URL}),
    "SimilarResult": obj({"id": STR, "similar": {"type": "array", "items": obj({
        "id": STR, "title": STR, "score": NUM, "reasons": STRINGS,
        "url": URL})}}),
    "Browse": obj({"total": INT, "facets": ref("Facets"), "generation": STR}, {
        "overview": obj({"villages": INT, "models": {"oneOf": [ref("Chart"), {"type": "null"}]},
                         "income": {"oneOf": [ref("Chart"), {"type": "null"}]}})}),
    "Profile": obj({}, {
        "province": STR_OR_NULL, "city": STR_OR_NULL, "county": STR_OR_NULL,
        "township": STR_OR_NULL, "terrain": STR_OR_NULL, "resources": STRINGS,
        "industries": STRINGS, "organisations": STRINGS, "income_wan": NUM_OR_NULL,
        "households": INT_OR_NULL, "land_mu": NUM_OR_NULL, "distance_km": NUM_OR_NULL,
        "goals": STR}),
    "RecommendResult": obj({
        "profile": ref("Profile"), "description": STR,
        "share_url": URL, "edit_url": URL, "json_url": URL,
        "hits": {"type": "array", "items": obj({
            "id": STR, "title": STR, "kind": STR, "score": NUM, "reasons": STRINGS,
            "cautions": STRINGS,
            "components": {"type": "object", "additionalProperties": NUM},
            "url": URL})}}),
    "Pack": obj({"title": STR, "display_title": STR, "ids": STRINGS, "token": STR,
                 "count": INT, "missing": STRINGS,
                 "cases": {"type": "array", "items": obj({"id": STR, "title": STR,
                                                         "questions": STRINGS, "url": STR})},
                 "links": {"type": "object", "additionalProperties": STR}}),
    "Comparison": obj({"ids": STRINGS, "cases": {"type": "array", "items": obj({
        "id": STR, "title": STR, "url": STR})}}),
    "Health": obj({"status": {"enum": ["ok", "unavailable"]}, "message": STR}),
}

ERRORS = {
    "400": ("请求参数有误（含超长或恶意参数）", "BadRequest"),
    "404": ("没有这个案例", "NotFound"),
    "429": ("请求太频繁：超过每个客户端的频率限制", "TooManyRequests"),
    "503": ("索引或数据库暂时不可用", "Unavailable"),
}


def param(name: str, schema: dict, description: str, where: str = "query",
          required: bool = False) -> dict:
    out = {"name": name, "in": where, "description": description, "schema": schema,
           "required": required or where == "path"}
    if schema.get("type") == "array":
        out.update(style="form", explode=True)
    return out


def operation(summary: str, result: str, params: list, errors: tuple = ("400", "429", "503"),
              cached: bool = True) -> dict:
    responses = {"200": {"description": "成功", "content": {
        "application/json": {"schema": ref(result)}}}}
    if cached:
        responses["304"] = {"description": "未修改（If-None-Match 与 ETag 相同）"}
    for code in errors:
        responses[code] = {"$ref": f"#/components/responses/{ERRORS[code][1]}"}
    return {"summary": summary, "parameters": params, "responses": responses}


SLUG = param("slug", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,99}$"}, "案例编号", "path")
SEARCH_PARAMS = [
    param("q", {"type": "string", "maxLength": MAX_QUERY_CHARS},
          "搜索内容，按纯文字处理；引号内为精确短语"),
    param("mode", {"enum": ["hybrid", "keyword", "vector"], "default": "hybrid"},
          "检索方式：混合、关键词、语义"),
    *[param(key, {"type": "array", "items": {"type": "string", "maxLength": 60},
                  "maxItems": 20}, f"筛选：{key}（可重复，多个值为“或”）")
      for key in LIST_FILTERS],
    param("income", {"enum": [b[0] for b in INCOME_BUCKETS]}, "集体经济收入区间"),
    param("income_min", {"type": "number", "minimum": 0}, "最低集体经济收入（万元）"),
    param("income_max", {"type": "number", "minimum": 0}, "最高集体经济收入（万元）"),
    param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "页码"),
    param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "每页条数"),
]
RECOMMEND_LIMIT = param("limit", {"type": "integer", "minimum": 1, "maximum": 50}, "返回条数")


def recommend_operations() -> dict:
    profile_params = [param(k, v, f"村情：{k}") for k, v in (
        ("province", STR), ("city", STR), ("county", STR), ("township", STR),
        ("terrain", STR), ("resources", STRINGS), ("industries", STRINGS),
        ("organisations", STRINGS), ("income_wan", NUM), ("households", INT),
        ("land_mu", NUM), ("distance_km", NUM), ("goals", STR))]
    get = operation("按村情推荐案例（参数形式）", "RecommendResult",
                    [*profile_params, RECOMMEND_LIMIT])
    post = operation("按村情推荐案例（JSON 形式，只读，不保存任何内容）", "RecommendResult",
                     [RECOMMEND_LIMIT], cached=False)
    post["requestBody"] = {"required": True,
                           "content": {"application/json": {"schema": ref("Profile")}}}
    return {"get": get, "post": post}


def openapi_document() -> dict:
    """The whole document; paths are relative to the `servers` entry /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "村案通 API", "version": "1.0.0",
                 "description": "村级集体经济案例检索的只读 JSON 接口。任何网站都可跨域读取"
                                "（不带凭据；部署方可用 CORS_ORIGINS 限定来源）；"
                                "GET 响应带 ETag，可用 If-None-Match 得到 304；"
                                "每个客户端有频率限制，超过时返回 429。"},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {"get": operation("检索案例", "SearchResult", SEARCH_PARAMS)},
            "/cases/{slug}": {"get": operation("案例全文与要素", "Case", [SLUG],
                                               ("400", "404", "429", "503"))},
            "/cases/{slug}/similar": {"get": operation(
                "相似案例", "SimilarResult",
                [SLUG, param("limit", {"type": "integer", "minimum": 1, "maximum": 20},
                             "返回条数")], ("400", "404", "429", "503"))},
            "/facets": {"get": operation("分类与计数", "Browse", [])},
            "/recommend": recommend_operations(),
            "/pack": {"get": operation(
                "素材包（由分享链接里的 p 参数还原，服务器不保存）", "Pack",
                [param("p", {"type": "string", "maxLength": 4000}, "素材包链接里的 p 参数")],
                ("400", "404", "429", "503"))},
            "/compare": {"get": operation(
                "2 到 4 个案例对比", "Comparison",
                [param("ids", {"type": "string"}, "案例编号，逗号分隔"),
                 param("p", {"type": "string", "maxLength": 4000}, "或：素材包的 p 参数")],
                ("400", "404", "429", "503"))},
            "/health": {"get": operation("服务状态（不限频率，不缓存）", "Health", [], ("503",),
                                         cached=False)},
            "/openapi.json": {"get": {"summary": "本文档", "responses": {"200": {
                "description": "OpenAPI 文档",
                "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "schemas": SCHEMAS,
            "responses": {name: {"description": text, "content": {
                "application/json": {"schema": ref("Error")}}}
                for text, name in ERRORS.values()},
        },
    }
