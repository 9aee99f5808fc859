"""Every integer from a URL or a form: Unicode digits, 20-digit ids and other non-numbers on
every rule of the URL map give a 4xx with a Chinese sentence, never a 500."""

import re

import pytest
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import import_result
from admin_support import login
from test_admin_gate import CASE
from test_admin_gate import SOURCE
from worlds import services_of

from editorial.drafts import store_import
from web.params import BadNumber
from web.params import parse_int

BAD = ["²", "٣", "５", "99999999999999999999", "9223372036854775808", "-1", "abc", "1e3", "",
       " 7", "\x00"]
INT_PARAMS = ("page", "per_page", "limit", "days", "version", "figure_count", "income_min",
              "income_max", "job_id", "draft_id", "revision_id")
SLUG = "huazhu-tea"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = admin_world(tmp_path_factory.mktemp("ints"), RATELIMIT_API="100000 per minute",
                      RATELIMIT_LOGIN="100000 per minute")
    with services_of(app).sessionmaker() as session:
        store_import(session, import_result(CASE, SOURCE, "changhu-niu"), "report.md", "pub1")
    client = app.test_client()
    login(client, "pub1")
    return app, client, csrf_token(client, "/admin/")


def rule_urls(app, value: str) -> list[tuple[str, str]]:
    """(method, path) of every rule, `value` in each integer part, a real slug elsewhere."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "admin.logout"):  # no number; keep the session
            continue
        path = re.sub(r"<int:[^>]+>", lambda _m: value, rule.rule)
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", SLUG, path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, path))
    return out


@pytest.mark.parametrize("value", BAD)
def test_no_integer_in_any_url_or_form_gives_a_500(world, value):
    app, client, token = world
    params = {name: value for name in INT_PARAMS}
    failures = []
    for method, path in rule_urls(app, value):
        if method == "GET":
            resp = client.get(path, query_string=params)
        else:
            resp = client.post(path, data=dict(params, csrf_token=token), query_string=params,
                               headers={"Accept": "application/json"})
        if resp.status_code >= 500:
            failures.append((method, path, resp.status_code))
        resp.close()  # file responses (static widget files) hold their file open
    assert failures == []


@pytest.mark.parametrize("path", ["/admin/drafts/99999999999999999999",
                                  "/admin/jobs/99999999999999999999",
                                  "/admin/drafts/9223372036854775807", "/admin/jobs/²"])
def test_ids_beyond_the_database_are_not_found(world, path):
    _app, client, _token = world
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("path", "field"), [("/admin/queries?days=²", "days"),
                                             ("/admin/?page=99999999999999999999", "page")])
def test_a_bad_number_is_a_400_with_a_chinese_sentence(world, path, field):
    _app, client, _token = world
    resp = client.get(path, headers={"Accept": "application/json"})
    body = resp.get_json()
    assert resp.status_code == 400 and body["ok"] is False and field in body["errors"]
    assert "整数" in body["error"]


def test_saving_with_a_unicode_version_is_refused_in_chinese(world):
    _app, client, token = world
    for version in ("²", "99999999999999999999"):
        resp = client.post("/admin/drafts/1", data={"csrf_token": token, "version": version},
                           headers={"Accept": "application/json"})
        assert resp.status_code == 400 and "版本号" in resp.get_json()["error"]
    resp = client.post("/admin/drafts/1", headers={"Accept": "application/json"},
                       data={"csrf_token": token, "version": "1", "figure_count": "abc"})
    assert resp.status_code == 400 and "数字行数" in resp.get_json()["error"]


@pytest.mark.parametrize(("raw", "expected"), [("7", 7), ("007", 7), ("", 3), (None, 3)])
def test_parse_int_accepts_ascii_digits(raw, expected):
    assert parse_int(raw, "n", default=3, high=10) == expected


@pytest.mark.parametrize("raw", ["²", "٣", "11", "-1", "1.0", "١٢", "99999999999999999999"])
def test_parse_int_refuses_the_rest(raw):
    with pytest.raises(BadNumber, match="整数"):
        parse_int(raw, "n", high=10)


def test_control_characters_are_refused_in_dictionary_entries(world):
    _app, client, token = world
    for word in ("葡萄\x07酒庄", "葡萄\u200b酒庄", "葡萄\u202e酒庄"):
        resp = client.post("/admin/queries/edit", headers={"Accept": "application/json"},
                           data={"csrf_token": token, "q": "葡萄酒庄", "words": word,
                                 "group": "", "phrases": "", "concepts": ""})
        assert resp.status_code == 400 and "控制字符" in resp.get_json()["errors"]["words"]
