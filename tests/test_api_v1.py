"""/api/v1 for other sites: shapes, CORS allowlist, ETag/304, rate limit, hostile input, OpenAPI."""

import re
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from web.openapi import openapi_document

ALLOWED = "https://dangjian.example.gov.cn"
DENIED = "https://evil.example.com"


@pytest.fixture
def api(app):
    app.config.update(CORS_ORIGINS=[ALLOWED], RATELIMIT_API="1000 per minute")
    return app.test_client()


def check_schema(name: str, body) -> None:
    """Validate `body` against components/schemas/`name` of the served document."""
    doc = openapi_document()
    OAS31Validator({"$ref": f"#/components/schemas/{name}",
                    "components": doc["components"]}).validate(body)


# ---- shapes --------------------------------------------------------------------------------

def test_search_shape_links_are_absolute_and_body_is_stable(api):
    resp = api.get("/api/v1/search", query_string={"q": "光伏", "per_page": "3"})
    body = resp.get_json()
    assert resp.status_code == 200 and body["total"] >= 1
    hit = body["hits"][0]
    assert hit["id"] == "yangguang-solar" and "<mark>" in hit["snippet"]
    assert hit["url"] == "http://localhost/cases/yangguang-solar"
    assert "took_ms" not in body and resp.headers["Server-Timing"].startswith("search;dur=")
    check_schema("SearchResult", body)


def test_case_similar_facets_match_the_documented_schemas(api):
    case = api.get("/api/v1/cases/changshui-company").get_json()
    assert case["region"]["village"] == "长水村" and case["sections"][0]["html"]
    assert case["url"] == "http://localhost/cases/changshui-company"
    check_schema("Case", case)
    similar = api.get("/api/v1/cases/changshui-company/similar?limit=2").get_json()
    assert similar["similar"][0]["id"] == "hetian-land-park" and len(similar["similar"]) <= 2
    check_schema("SimilarResult", similar)
    facets = api.get("/api/v1/facets").get_json()
    assert facets["total"] == 7
    check_schema("Browse", facets)


def test_recommend_by_arguments_and_by_json_agree(api):
    by_args = api.get("/api/v1/recommend?resources=红色资源&limit=3").get_json()
    by_json = api.post("/api/v1/recommend?limit=3", json={"resources": ["红色资源"]}).get_json()
    assert by_args["hits"] and by_args["hits"] == by_json["hits"]
    assert by_args["hits"][0]["url"].startswith("http://localhost/cases/")
    check_schema("RecommendResult", by_json)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"[" * 100_000, b'"text"'])
def test_recommend_bad_json_is_400(api, body):
    resp = api.post("/api/v1/recommend", data=body, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["errors"]["profile"]
    check_schema("Error", resp.get_json())


@pytest.mark.parametrize("method", ["put", "delete", "patch", "post"])
def test_read_only_for_anonymous_callers(api, method):
    resp = getattr(api, method)("/api/v1/search?q=光伏")
    assert resp.status_code == 405 and resp.get_json()["status"] == 405


@pytest.mark.parametrize("path", ["/api/v1/cases/no-such-case", "/api/v1/cases/..%2f..%2fetc",
                                  "/api/v1/nothing-here"])
def test_unknown_is_404_json(api, path):
    resp = api.get(path)
    assert resp.status_code == 404 and resp.get_json()["ok"] is False


# ---- CORS ---------------------------------------------------------------------------------

def test_cors_allows_only_configured_origins(api):
    ok = api.get("/api/v1/search?q=光伏", headers={"Origin": ALLOWED})
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
    assert "Origin" in ok.headers["Vary"]
    denied = api.get("/api/v1/search?q=光伏", headers={"Origin": DENIED})
    assert denied.status_code == 200 and "Access-Control-Allow-Origin" not in denied.headers
    assert "Origin" in denied.headers["Vary"]  # a shared cache must not mix the two


def test_cors_preflight(api):
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    ok = api.options("/api/v1/recommend", headers={"Origin": ALLOWED, **preflight})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in ok.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in ok.headers["Access-Control-Allow-Headers"]
    denied = api.options("/api/v1/recommend", headers={"Origin": DENIED, **preflight})
    assert "Access-Control-Allow-Origin" not in denied.headers
    assert "Access-Control-Allow-Methods" not in denied.headers


def test_cors_default_is_open_and_string_config_narrows(app):
    client = app.test_client()
    resp = client.get("/api/v1/facets", headers={"Origin": DENIED})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"  # default: any site, read-only
    assert "Access-Control-Allow-Credentials" not in resp.headers
    for path in ("/widget.js", "/widget.css"):
        asset = client.get(path)
        asset.close()  # a file response: release its handle
        assert asset.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/search?q=x").headers  # pages: no
    app.config["CORS_ORIGINS"] = f"https://a.example, {ALLOWED}/"  # e.g. from the environment
    resp = client.get("/api/v1/facets", headers={"Origin": ALLOWED})
    assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED
    resp = client.get("/api/v1/facets", headers={"Origin": DENIED})
    assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize(("old", "new"), [
    ("/api/search?q=光伏", "/api/v1/search?q=光伏"), ("/api/facets", "/api/v1/facets"),
    ("/api/cases/changshui-company/similar?limit=2",
     "/api/v1/cases/changshui-company/similar?limit=2"),
    ("/api/recommend?resources=抛荒地", "/api/v1/recommend?resources=抛荒地"),
    ("/api/health", "/api/v1/health")])
def test_unversioned_api_redirects_to_v1(api, old, new):
    resp = api.get(old)
    assert resp.status_code == 308
    assert unquote(resp.headers["Location"]) == new
    assert api.get(old, follow_redirects=True).status_code == 200


def test_unversioned_post_keeps_its_body(api):
    resp = api.post("/api/recommend", json={"resources": ["抛荒地"]}, follow_redirects=True)
    assert resp.status_code == 200 and resp.get_json()["hits"]


@pytest.mark.parametrize("path", ["/", "/search?q=光伏", "/cases/changshui-company",
                                  "/recommend/results?resources=抛荒地"])
def test_pages_answer_json_when_asked(api, path):
    resp = api.get(path, headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert api.get(path).mimetype == "text/html"


def test_page_json_error_uses_the_one_body(api):
    resp = api.get("/search?page=-3", headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert set(resp.get_json()) == {"ok", "error", "errors", "status"}


# ---- caching --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/search?q=光伏", "/api/v1/cases/changshui-company",
                                  "/api/v1/facets", "/api/v1/recommend?resources=红色资源"])
def test_etag_and_304(api, path):
    first = api.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "max-age=" in first.headers["Cache-Control"]
    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_differs_with_the_query_and_errors_are_not_cached(api):
    a = api.get("/api/v1/search?q=光伏").headers["ETag"]
    b = api.get("/api/v1/search?q=流转").headers["ETag"]
    assert a != b
    bad = api.get("/api/v1/search?page=0")
    assert bad.status_code == 400 and bad.headers["Cache-Control"] == "no-store"
    assert "ETag" not in bad.headers


# ---- rate limit -------------------------------------------------------------------------------

def test_rate_limit_answers_429_json_per_client(app):
    app.config.update(RATELIMIT_API="3 per minute", CORS_ORIGINS=[ALLOWED])
    client = app.test_client()
    codes = [client.get("/api/v1/facets").status_code for _ in range(3)]
    resp = client.get("/api/v1/search?q=光伏", headers={"Origin": ALLOWED})
    assert codes == [200, 200, 200] and resp.status_code == 429
    body = resp.get_json()
    assert body == {"ok": False, "status": 429, "error": "请求太频繁，请稍后再试", "errors": {}}
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.headers["Access-Control-Allow-Origin"] == ALLOWED  # the page can read why
    check_schema("Error", body)
    other = client.get("/api/v1/facets", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # another client has its own budget
    home = client.get("/", headers={"Accept": "application/json"})
    assert home.status_code == 200  # the pages' JSON twins are not limited here


# ---- hostile input ------------------------------------------------------------------------------

HOSTILE = [
    {"q": "光" * 2000},
    {"page": "nan"},
    {"page": "1e309"},
    {"per_page": "-1"},
    {"per_page": "99999999999999999999"},
    {"mode": "'; DROP TABLE cases; --"},
    {"province": [f"省{i}" for i in range(30)]},
    {"province": "省" * 100},
    {"income_min": "inf"},
    {"income": "<script>"},
    {"q": "x" * 300, "junk": "y" * 4000},
    {f"a{i}": "1" for i in range(100)},
]


@pytest.mark.parametrize("args", HOSTILE)
def test_hostile_or_oversized_parameters_are_400(api, args):
    resp = api.get("/api/v1/search", query_string=args)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["ok"] is False and body["errors"]
    check_schema("Error", body)


@pytest.mark.parametrize("path", ["/api/v1/cases/" + "a" * 300, "/api/v1/cases/%3Cscript%3E",
                                  "/api/v1/cases/Ab_C",
                                  "/api/v1/cases/changshui-company/similar?limit=abc",
                                  "/api/v1/cases/changshui-company/similar?limit=21",
                                  "/api/v1/recommend?income_wan=-5",
                                  "/api/v1/recommend?limit=0&resources=红色资源"])
def test_bad_ids_and_limits_are_400(api, path):
    resp = api.get(path)
    assert resp.status_code == 400 and resp.get_json()["status"] == 400


@pytest.mark.parametrize("q", ['"光伏', "AND OR NOT", "光伏*?~^2", "(((", "\x00\x01", "🙂" * 50,
                               "%00", "title:光伏"])
def test_odd_but_short_queries_are_answered(api, q):
    resp = api.get("/api/v1/search", query_string={"q": q})
    assert resp.status_code == 200 and "hits" in resp.get_json()


@pytest.mark.parametrize("raw", [b"q=%ED%A0%80", b"q=%FF%FE", b"q=%E5%85", b"q&q&&=&page"])
def test_broken_encodings_are_answered(api, raw):
    resp = api.get("/api/v1/search?" + raw.decode("ascii"))
    assert resp.status_code in (200, 400) and resp.is_json


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["q", "page", "per_page", "province", "mode", "income",
                                        "income_min", "limit"]),
                       st.text(max_size=600), max_size=4))
def test_fuzzed_search_never_500(api, args):
    resp = api.get("/api/v1/search", query_string=args)
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)[:300]


# ---- OpenAPI document ---------------------------------------------------------------------------

def test_openapi_document_validates(api):
    doc = api.get("/api/v1/openapi.json").get_json()
    assert doc == openapi_document()
    validate(doc)


def v1_rules(app) -> dict[str, set[str]]:
    """{documented path: methods} for every /api/v1 rule of the app."""
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            out.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD",
                                                                               "OPTIONS"})
    return out


def test_openapi_paths_are_exactly_the_routes(app):
    doc = openapi_document()
    assert doc["servers"] == [{"url": "/api/v1"}]
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert documented == v1_rules(app)


def test_documented_error_responses_match_a_real_error(api):
    doc = openapi_document()
    resp = api.get("/api/v1/cases/no-such-case")
    assert "404" in doc["paths"]["/cases/{slug}"]["get"]["responses"]
    check_schema("Error", resp.get_json())


# ---- embedding headers ------------------------------------------------------------------------

def test_embed_may_be_framed_by_any_site_unless_narrowed(app):
    client = app.test_client()
    resp = client.get("/embed")
    assert resp.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "X-Frame-Options" not in resp.headers and "script-src" not in resp.headers[
        "Content-Security-Policy"]
    app.config["FRAME_ANCESTORS"] = [ALLOWED, "https://x.example; script-src *"]
    csp = client.get("/embed").headers["Content-Security-Policy"]
    assert csp.endswith(f"frame-ancestors 'self' {ALLOWED}")  # the injection is dropped
    app.config["FRAME_ANCESTORS"] = "*"
    app.config["EMBED_FRAME_ANCESTORS"] = [ALLOWED]  # the first name still narrows it
    csp = client.get("/embed").headers["Content-Security-Policy"]
    assert csp.endswith(f"frame-ancestors 'self' {ALLOWED}")


def test_other_pages_do_not_get_the_embed_framing_policy(app):
    app.config["FRAME_ANCESTORS"] = [ALLOWED]
    client = app.test_client()
    for path in ("/", "/search?q=光伏", "/embed/help", "/api/v1/facets"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]  # web/security.py
        assert ALLOWED not in headers["Content-Security-Policy"]
    embed = client.get("/embed").headers
    assert "X-Frame-Options" not in embed and "script-src" not in embed["Content-Security-Policy"]


# ---- the iframe page, the widget's files, the help page ------------------------------------------

def test_embed_page_without_script_and_with_highlighted_results(api):
    assert "per_page=5" in api.get("/embed?q=光伏").headers["Location"]
    hostile = api.get("/embed?q=光伏&_scheme=javascript&_external=1&_anchor=x")
    assert hostile.status_code == 302 and hostile.headers["Location"].startswith("/embed?")
    resp = api.get("/embed", query_string={"q": "光伏", "per_page": "5", "city": "丁市",
                                           "target": "_top"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<mark>光伏" in html and "<script" not in html
    assert 'href="/cases/yangguang-solar" target="_top"' in html
    assert "长水村" not in html  # the default filter city=丁市 applies
    assert '<input type="hidden" name="city" value="丁市">' in html  # and survives a new search
    assert "找到 1 篇直接相关的案例" in html


def test_embed_page_bad_input_is_a_chinese_400_and_bad_options_fall_back(api):
    resp = api.get("/embed", query_string={"q": "光" * 600, "per_page": "5"})
    assert resp.status_code == 400 and "搜索内容过长" in resp.get_data(as_text=True)
    assert "frame-ancestors" in resp.headers["Content-Security-Policy"]
    css = api.get("/embed/theme.css", query_string={"color": "red;}body{display:none",
                                                    "accent": "#abc"}).get_data(as_text=True)
    assert css == ".cbw-root{--cbw-color:#b71c1c;--cbw-accent:#abc}\n"


def strip_js(source: str) -> str:
    """The code of a script without its comments and string literals (for syntax checks)."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"", "''", source)
    source = re.sub(r"/(?:\\.|\[[^\]\n]*\]|[^/\n\\[])+/[gimy]*(?=[.,;)\s])", "/x/", source)
    return re.sub(r"//[^\n]*", "", source)


def test_widget_files_are_small_es5_and_loadable_from_other_sites(api):
    resp = api.get("/widget.js")
    source = resp.get_data(as_text=True)
    resp.close()
    assert resp.mimetype == "text/javascript" and resp.headers["ETag"]
    assert "public" in resp.headers["Cache-Control"] and "max-age=3600" in resp.headers[
        "Cache-Control"]
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert len(source.encode()) < 30_000
    code = strip_js(source)
    for modern in (r"=>", r"`", r"\blet\b", r"\bconst\b", r"\bclass\b", r"\?\.", r"\.\.\.",
                   r"\bfetch\b", r"\basync\b", r"\bawait\b", r"\bPromise\b", r"\binnerHTML\b"):
        assert not re.search(modern, code), modern
    css = api.get("/widget.css")
    css.close()
    assert css.mimetype == "text/css" and css.headers["Cross-Origin-Resource-Policy"]


def test_help_page_builds_the_snippet_from_the_options(api):
    html = api.get("/embed/help", query_string={
        "province": "湖南省", "color": "#123456", "accent": "javascript:x", "per_page": "7",
        "target": "_self"}).get_data(as_text=True)
    assert 'data-province="湖南省" data-limit="7" data-color="#123456" data-target="_self"' in html
    assert "javascript:x" not in html  # an invalid colour is dropped, not echoed into markup
    assert "&lt;script src=&#34;http://localhost/widget.js&#34;" in html  # the copyable text
    assert '<script src="http://localhost/widget.js"' in html  # and the live preview
    assert "target=_top" in html and "per_page=7" in html  # the iframe's equivalent options
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert "嵌入到网站" in api.get("/").get_data(as_text=True)  # linked from the header
