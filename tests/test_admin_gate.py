"""The publish gate and the ways back: a figure changed against its quote, a reason that
lets it through, a double click, a re-upload, update-existing, revert of a shipped case."""

import shutil
import threading

import pytest
from admin_support import PASSWORD
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import import_result
from admin_support import login
from admin_support import wait_for_job
from pg_support import db_url  # noqa: F401
from pg_support import dispose
from pg_support import make_world_on
from sqlalchemy import select
from test_admin_publish import form_of
from worlds import FIXTURE_CASES
from worlds import services_of

from editorial.drafts import store_import
from editorial.models import AuditEntry
from editorial.models import Draft
from editorial.models import IndexJob
from editorial.models import Revision
from editorial.users import add_user

JSON = {"Accept": "application/json"}
QUOTE = "长湖村联合成立了长牛农业开发有限公司，吸纳30余农户就业。"
SOURCE = f"**市的报告。{QUOTE}其他句子。"
CASE = f"""---
id: changhu-niu
title: 长湖村：成立农业开发公司
kind: case
region: {{province: 湖南省, city: 丁市, county: 甲县, village: 长湖村}}
models: [村集体+公司+农户]
figures:
  - {{label: 吸纳就业的农户, value: 30, unit: 户, metric: households, approx: 余,
     quote: "{QUOTE}"}}
source: {{document: 长湖村调研报告}}
summary: 长湖村联合成立农业开发公司，吸纳农户就业。
---
## 主要做法

联合成立农业开发有限公司，吸纳农户就业。
"""


@pytest.fixture
def app(tmp_path):
    app = admin_world(tmp_path)
    with services_of(app).sessionmaker() as session:
        store_import(session, import_result(CASE, SOURCE, "changhu-niu"), "report.md", "pub1")
    return app


def publisher(app):
    client = app.test_client()
    assert login(client, "pub1").status_code == 302
    return client


def edit_to_35(client):
    form = {k: v for k, v in form_of(client).items() if not k.endswith("_delete")}  # unticked
    row = next(k for k, v in form.items() if k.endswith("_value") and v == "30")
    form[row] = "35"
    return client.post("/admin/drafts/1", data=form)


def test_a_figure_changed_against_its_quote_is_refused_then_published_with_a_reason(app,
                                                                                     tmp_path):
    client = publisher(app)
    assert edit_to_35(client).status_code == 302  # saving keeps the editor's work...
    page = client.get("/admin/drafts/1").get_data(as_text=True)
    assert "与来源不符" in page and "越过核对的理由" in page  # ...and shows the problem
    data = client.get("/admin/drafts/1", headers=JSON).get_json()
    assert "figures[1]" in data["gate"]
    token = csrf_token(client, "/admin/drafts/1")
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 400 and "figures[1]" in resp.get_json()["errors"]
    assert "越过核对的理由" in resp.get_json()["error"]
    resp = client.post("/admin/drafts/1/publish", headers=JSON,
                       data={"csrf_token": token, "reason": "   "})
    assert resp.status_code == 400  # spaces are no reason
    assert not (tmp_path / "cases" / "changhu-niu.md").exists()

    reason = "县里核实后更正为35户，原报告有误"
    resp = client.post("/admin/drafts/1/publish", headers=JSON,
                       data={"csrf_token": token, "reason": reason})
    assert resp.status_code == 202
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert "value: 35" in (tmp_path / "cases" / "changhu-niu.md").read_text(encoding="utf-8")
    with services_of(app).sessionmaker() as s:
        rev = s.scalar(select(Revision).where(Revision.target == "case:changhu-niu"))
        assert reason in rev.note
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "publish-draft"))
        assert reason in entry.detail and entry.address == "127.0.0.1"
    history = client.get("/admin/cases/changhu-niu/history").get_data(as_text=True)
    assert reason in history


def test_an_unchanged_figure_publishes_without_a_question(app):
    client = publisher(app)
    token = csrf_token(client, "/admin/drafts/1")
    assert client.get("/admin/drafts/1", headers=JSON).get_json()["gate"] == {}
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 202


def test_a_double_click_publishes_once(app):
    client = publisher(app)
    token = csrf_token(client, "/admin/drafts/1")
    form = {"csrf_token": token, "version": "1"}
    first = client.post("/admin/drafts/1/publish", data=form, headers=JSON)
    second = client.post("/admin/drafts/1/publish", data=form, headers=JSON)
    assert first.status_code == 202 and second.status_code == 409
    assert "已经发布过" in second.get_json()["error"]
    wait_for_job(app, first.get_json()["job"]["id"])
    with services_of(app).sessionmaker() as s:
        assert len(list(s.scalars(select(Revision)))) == 1
        assert len(list(s.scalars(select(IndexJob)))) == 1


def test_a_republished_draft_after_its_case_is_live_updates_it_in_place(app, tmp_path):
    """Publish, then a second upload of the same village is flagged; update-existing writes
    a new revision of the same id (same URL), and publish-new needs its confirmation."""
    client = publisher(app)
    token = csrf_token(client, "/admin/drafts/1")
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    again = CASE.replace("长湖村：成立农业开发公司", "长湖村：农业开发公司又一年")
    with services_of(app).sessionmaker() as s:
        store_import(s, import_result(again, SOURCE, "changhu-niu-2"), "report2.md", "pub1")
        second = s.scalar(select(Draft.id).where(Draft.slug == "changhu-niu-2"))
    listed = client.get("/admin/", headers=JSON).get_json()["uploads"][0]["drafts"][0]
    assert "changhu-niu" in [d["id"] for d in listed["duplicates"]]
    url = f"/admin/drafts/{second}/publish"
    resp = client.post(url, data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 409 and "可能与已有案例重复" in resp.get_json()["error"]
    resp = client.post(url, data={"csrf_token": token, "mode": "new"}, headers=JSON)
    assert resp.status_code == 409  # publish-new without its confirmation
    resp = client.post(url, data={"csrf_token": token, "mode": "update:changhu-niu"},
                       headers=JSON)
    assert resp.status_code == 202
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert not (tmp_path / "cases" / "changhu-niu-2.md").exists()
    assert "又一年" in client.get("/cases/changhu-niu").get_data(as_text=True)
    with services_of(app).sessionmaker() as s:
        revs = list(s.scalars(select(Revision.action).where(Revision.target
                                                            == "case:changhu-niu")))
        assert revs == ["publish", "publish"]


def test_two_publish_clicks_at_the_same_moment_publish_once(tmp_path, db_url):  # noqa: F811
    """Two requests for the same draft version race on SQLite and on PostgreSQL: one claim."""
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    app = make_world_on(tmp_path, cases, db_url, EDITABLE_DATA_DIR=str(tmp_path / "data"))
    try:
        with services_of(app).sessionmaker() as s:
            add_user(s, "pub1", "publisher", PASSWORD)
            store_import(s, import_result(CASE, SOURCE, "changhu-niu"), "report.md", "pub1")
        clients = [publisher(app) for _ in range(2)]
        forms = [{"csrf_token": csrf_token(c, "/admin/drafts/1"), "version": "1"} for c in clients]
        start, codes = threading.Barrier(2), []

        def click(client, form):
            start.wait()
            codes.append(client.post("/admin/drafts/1/publish", data=form,
                                     headers=JSON).status_code)

        threads = [threading.Thread(target=click, args=pair) for pair in zip(clients, forms,
                                                                           strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [202, 409]
        with services_of(app).sessionmaker() as s:
            assert len(list(s.scalars(select(Revision)))) == 1
            job_id = s.scalar(select(IndexJob.id))
        assert wait_for_job(app, job_id).state == "done"
    finally:
        dispose(app)


@pytest.mark.parametrize(("draft", "existing", "reason"), [
    ({"village": "长湖村", "county": "甲县"}, {"village": "长湖村", "county": "甲县"}, "同一个村"),
    ({"village": "长湖村", "county": "甲县"}, {"village": "长湖村", "county": "乙县"}, None),
    ({"township": "清溪镇"}, {"township": "清溪镇"}, "同一个乡镇"),
    ({"township": "清溪镇", "village": "瓦坪村"}, {"township": "清溪镇"}, None),
])
def test_drafts_are_matched_by_place(draft, existing, reason):
    from casefile.case import Case
    from casefile.case import Region
    from casefile.case import Source
    from editorial.report import near_duplicates

    new = Case(slug="new-one", title="甲", kind="case", region=Region(**draft), summary="",
               source=Source("报告一"))
    old = Case(slug="old-one", title="乙", kind="case", region=Region(**existing), summary="",
               source=Source("报告二"))
    found = near_duplicates(new, {"old-one": old}, [])
    assert [d.reason.split("：")[0] for d in found] == ([reason] if reason else [])


def test_a_practice_from_the_same_document_is_matched_by_its_section():
    from casefile.case import Case
    from casefile.case import Region
    from casefile.case import Source
    from editorial.report import near_duplicates

    def practice(slug, title, doc):
        return Case(slug=slug, title=title, kind="practice", region=Region(city="**市"),
                    summary="", source=Source(doc))

    old = practice("hunan-practice", "抓机制构建，提升统筹推进“主动力”", "**市工作报告")
    again = practice("hunan-practice-2", "抓机制构建，提升统筹推进“主动力”", "《**市工作报告》")
    other = practice("hunan-practice-3", "抓队伍保障", "**市工作报告")
    assert [d.slug for d in near_duplicates(again, {"hunan-practice": old}, [])] == [
        "hunan-practice"]
    assert near_duplicates(other, {"hunan-practice": old}, []) == []


def test_a_renamed_case_redirects_and_its_history_follows(app, tmp_path):
    client = publisher(app)
    token = csrf_token(client, "/admin/drafts/1")
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    resp = client.post("/admin/cases/changhu-niu/rename", headers=JSON,
                       data={"csrf_token": token, "new_id": "changhu-company"})
    assert resp.status_code == 400  # not confirmed
    resp = client.post("/admin/cases/changhu-niu/rename", headers=JSON,
                       data={"csrf_token": token, "new_id": "huazhu-tea", "confirm": "1"})
    assert resp.status_code == 400 and "已被占用" in resp.get_json()["error"]
    resp = client.post("/admin/cases/changhu-niu/rename", headers=JSON,
                       data={"csrf_token": token, "new_id": "changhu-company", "confirm": "1"})
    assert resp.status_code == 202
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert not (tmp_path / "cases" / "changhu-niu.md").exists()
    assert (tmp_path / "cases" / "changhu-company.md").read_text(
        encoding="utf-8").startswith("---\nid: changhu-company")
    moved = client.get("/cases/changhu-niu")
    assert moved.status_code == 301 and moved.headers["Location"] == "/cases/changhu-company"
    assert client.get("/cases/changhu-company").status_code == 200
    assert client.get("/cases/no-such-case").status_code == 404
    data = client.get("/admin/drafts/1", headers=JSON).get_json()
    assert data["draft"]["slug"] == "changhu-company" and data["fields"]["id"] == "changhu-company"
