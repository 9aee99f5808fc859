"""Pages and their JSON twins: shapes, errors, status codes, inert case HTML."""

from html.parser import HTMLParser

import pytest
from worlds import FIXTURE_CASES
from worlds import services_of

from app import create_app


def test_api_search_shape(client):
    body = client.get("/api/v1/search", query_string={"q": "光伏"}).get_json()
    assert {"query", "total", "hits", "facets", "words", "generation"} <= set(body)
    hit = body["hits"][0]
    assert {"id", "title", "snippet", "score", "matched", "evidence", "url"} <= set(hit)
    assert hit["id"] == "yangguang-solar" and "<mark>" in hit["snippet"]
    assert body["facets"]["models"]["values"]


def test_search_page_renders_results_filters_and_marks(client):
    html = client.get("/search", query_string={"q": "光伏"}).get_data(as_text=True)
    assert "阳光村" in html and "<mark>光伏" in html
    assert "直接相关 <strong>" in html and "经营模式" in html


def test_search_page_and_api_agree(client):
    args = {"q": "流转", "models": "土地流转"}
    api = client.get("/search", query_string=args,
                     headers={"Accept": "application/json"}).get_json()
    html = client.get("/search", query_string=args).get_data(as_text=True)
    assert f"直接相关 <strong>{api['total']}</strong> 篇" in html
    assert api["total"] + api["related_total"] >= len(api["hits"]) > 0
    for hit in api["hits"]:
        assert hit["url"] in html
        assert hit["tier"] in ("direct", "related")


def test_bad_parameter_is_400_with_one_error_shape(client):
    resp = client.get("/api/v1/search", query_string={"page": "-3"})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["ok"] is False and body["status"] == 400 and "page" in body["errors"]
    page = client.get("/search", query_string={"page": "-3"})
    assert page.status_code == 400 and "请检查搜索条件" in page.get_data(as_text=True)


def test_unknown_case_is_404_in_both_forms(client):
    resp = client.get("/api/v1/cases/no-such-case")
    assert resp.status_code == 404 and resp.get_json()["error"]
    page = client.get("/cases/no-such-case")
    assert page.status_code == 404 and "没有找到" in page.get_data(as_text=True)


def test_case_json_and_similar(client):
    body = client.get("/api/v1/cases/changshui-company").get_json()
    assert body["region"]["village"] == "长水村"
    assert body["income_before"] == 5 and body["income_after"] == 50
    assert [s["heading"] for s in body["sections"]] == ["主要做法", "利益联结", "成效"]
    similar = client.get("/api/v1/cases/changshui-company/similar").get_json()["similar"]
    assert similar[0]["id"] == "hetian-land-park" and similar[0]["reasons"]
    assert client.get("/api/v1/cases/changshui-company/similar?limit=999").status_code == 400


def test_case_page_has_facts_source_and_similar(client):
    html = client.get("/cases/changshui-company").get_data(as_text=True)
    assert "基本情况" in html and "测试报告" in html and "相似案例" in html
    assert "禾田村" in html  # a similar case, with its reasons
    assert "同为经营模式" in html


class ActiveMarkup(HTMLParser):
    """Collects what a browser would run: inline scripts, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"{tag} {name}={value}")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("inline or foreign script")


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    return parser.found


def test_case_markup_is_inert(client):
    html = client.get("/cases/xss-case").get_data(as_text=True)
    assert active_markup(html) == []
    assert "&lt;script&gt;" in html  # the payload is shown as text
    body = client.get("/api/v1/cases/xss-case").get_json()
    assert all(active_markup(s["html"]) == [] for s in body["sections"])
    assert active_markup("<img src=x onerror=alert(1)>")  # the checker itself sees payloads


def test_query_markup_is_escaped(client):
    for q in ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']:
        html = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        assert active_markup(html) == []


def test_facets_twin_and_home(client):
    facets = client.get("/api/v1/facets").get_json()
    assert facets["total"] == 7
    html = client.get("/").get_data(as_text=True)
    assert "按类别浏览" in html and "土地流转" in html


def test_missing_index_is_503_with_a_clear_message(tmp_path):
    app = create_app({"TESTING": True, "CASES_DIR": str(FIXTURE_CASES),
                      "INDEX_DIR": str(tmp_path / "none"), "EMBEDDING_MODEL": "fake",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    resp = app.test_client().get("/api/v1/search?q=光伏")
    assert resp.status_code == 503 and "casebase index" in resp.get_json()["error"]


@pytest.mark.parametrize("path", ["/", "/search", "/search?q=光伏", "/cases/hetian-land-park"])
def test_pages_load_nothing_from_outside(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    assert active_markup(html) == []  # no inline script: everything works without it


def test_queries_are_logged_for_the_editor(app, client):
    from sqlalchemy import select

    from db.models import QueryLog

    client.get("/api/v1/search?q=没有这种东西xyz")
    with services_of(app).sessionmaker() as session:
        logged = session.scalars(select(QueryLog)).all()
    assert [(q.query, q.total) for q in logged][-1][0] == "没有这种东西xyz"
