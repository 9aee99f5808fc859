"""Drafts through the editor area: review, save, conflicts, publish, unpublish, revert."""

import re

import pytest
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import import_result
from admin_support import login
from admin_support import wait_for_job
from conftest import FIXTURE_CASES
from sqlalchemy import select
from worlds import services_of

from editorial.drafts import store_import
from editorial.models import AuditEntry
from editorial.models import Draft
from editorial.models import Revision

CASE_TEXT = SHIPPED = (FIXTURE_CASES / "huazhu-tea.md").read_text(encoding="utf-8")
SOURCE = "花竹村的材料。花竹村成立茶叶专业合作社，做茶叶加工。其他句子。"
JSON = {"Accept": "application/json"}


@pytest.fixture
def app(tmp_path):
    app = admin_world(tmp_path)
    evidence = "evidence:\n  industries: {加工: 花竹村成立茶叶专业合作社，做茶叶加工。}"
    text = CASE_TEXT.replace("source: {document: 测试报告}",
                             "source: {document: 测试报告}\n" + evidence)
    text = text.replace("title: 花竹村：办茶叶加工合作社", "title: 新花竹村：茶叶合作社扩建")
    with services_of(app).sessionmaker() as session:
        store_import(session, import_result(text, SOURCE, "xinhuazhu-tea"), "report.md", "pub1")
    return app


def client_as(app, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def form_of(client, draft_id=1) -> dict:
    """The draft form's fields as the page renders them (what a browser would submit)."""
    html = client.get(f"/admin/drafts/{draft_id}").get_data(as_text=True)
    form = html.split('class="draft-form"')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S))
    fields["kind"] = "case"
    import html as htmlmod

    return {k: htmlmod.unescape(v) for k, v in fields.items()}


def test_review_marks_the_evidence_in_the_source(app):
    client = client_as(app, "editor1")
    html = client.get("/admin/drafts/1").get_data(as_text=True)
    assert '<mark id="ev-0">花竹村成立茶叶专业合作社，做茶叶加工。</mark>' in html
    assert "可能与已有案例重复" in html and "同一个村：花竹村" in html  # huazhu-tea exists
    data = client.get("/admin/drafts/1", headers=JSON).get_json()
    assert data["ok"] and data["missing_evidence"] == []
    assert data["duplicates"][0]["id"] == "huazhu-tea"
    listed = client.get("/admin/", headers=JSON).get_json()["uploads"][0]["drafts"][0]
    assert [d["id"] for d in listed["duplicates"]] == ["huazhu-tea"]


def test_save_edits_a_figure_field_and_bumps_the_version(app):
    client = client_as(app, "editor1")
    form = form_of(client)
    form.update(fig0_label="合作社社员", fig0_value="120", fig0_unit="户", fig0_metric="members")
    resp = client.post("/admin/drafts/1", data=form)
    assert resp.status_code == 302
    with services_of(app).sessionmaker() as s:
        draft = s.get(Draft, 1)
        assert draft.version == 2 and "value: 120" in draft.text and "合作社社员" in draft.text


def test_invalid_edit_shows_chinese_errors_and_saves_nothing(app):
    client = client_as(app, "editor1")
    form = form_of(client)
    form.update(title="", fig0_label="收入", fig0_value="很多", fig0_unit="万元")
    resp = client.post("/admin/drafts/1", data=form)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "必填字段缺失" in html and "value 应为非负数字" in html
    assert 'value="很多"' in html  # what the editor typed stays in the form
    with services_of(app).sessionmaker() as s:
        assert s.get(Draft, 1).version == 1


def test_second_editor_saving_the_same_version_is_told(app):
    first, second = client_as(app, "editor1"), client_as(app, "pub1")
    form_a, form_b = form_of(first), form_of(second)
    form_a["summary"] = "第一位编辑的摘要。"
    form_b["summary"] = "第二位编辑的摘要。"
    assert first.post("/admin/drafts/1", data=form_a).status_code == 302
    resp = second.post("/admin/drafts/1", data=form_b)
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "editor1" in html and "没有保存" in html and "第二位编辑的摘要。" in html
    with services_of(app).sessionmaker() as s:
        draft = s.get(Draft, 1)
        assert draft.version == 2 and "第一位编辑的摘要。" in draft.text


def test_editor_cannot_publish(app, tmp_path):
    client = client_as(app, "editor1")
    token = csrf_token(client, "/admin/drafts/1")
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token})
    assert resp.status_code == 403 and "发布员" in resp.get_data(as_text=True)
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 403 and resp.get_json()["ok"] is False
    assert not (tmp_path / "cases" / "xinhuazhu-tea.md").exists()


def test_publish_unpublish_revert(app, tmp_path):
    client = client_as(app, "pub1")
    path = tmp_path / "cases" / "xinhuazhu-tea.md"
    token = csrf_token(client, "/admin/drafts/1")
    resp = client.post("/admin/drafts/1/publish", data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 409  # same village as huazhu-tea: update it, or a new case?
    assert resp.get_json()["errors"]["duplicates"][0]["id"] == "huazhu-tea"
    resp = client.post("/admin/drafts/1/publish", headers=JSON,
                       data={"csrf_token": token, "mode": "new", "confirm": "1"})
    assert resp.status_code == 202
    job = wait_for_job(app, resp.get_json()["job"]["id"])
    assert job.state == "done", job.message
    assert path.read_text(encoding="utf-8").startswith("---\nid: xinhuazhu-tea")
    hits = client.get("/api/v1/search?q=茶叶合作社扩建").get_json()["hits"]
    assert hits[0]["id"] == "xinhuazhu-tea"
    assert client.get(f"/admin/jobs/{job.id}").status_code == 200

    resp = client.post("/admin/cases/xinhuazhu-tea/unpublish", data={"csrf_token": token},
                       headers=JSON)
    assert resp.status_code == 400 and "确认撤下" in resp.get_json()["error"]  # not confirmed
    resp = client.post("/admin/cases/xinhuazhu-tea/unpublish", headers=JSON,
                       data={"csrf_token": token, "confirm": "1"})
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert not path.exists()
    assert client.get("/cases/xinhuazhu-tea").status_code == 404
    assert client.get("/admin/drafts/1", headers=JSON).get_json()["draft"]["status"] == "draft"

    with services_of(app).sessionmaker() as s:
        revs = list(s.scalars(select(Revision).where(Revision.target == "case:xinhuazhu-tea")
                              .order_by(Revision.id)))
        assert [r.action for r in revs] == ["publish", "unpublish"]
        assert revs[0].author == "pub1" and revs[0].content_hash and "+id: xinhuazhu-tea" in (
            revs[0].diff)
        assert revs[1].content is None and "-id: xinhuazhu-tea" in revs[1].diff
        first = revs[0].id
    history = client.get("/admin/cases/xinhuazhu-tea/history").get_data(as_text=True)
    assert "重新发布这个版本" in history and "撤下" in history
    assert f"/admin/revisions/{revs[1].id}/revert" not in history  # no restore of the current
    resp = client.post(f"/admin/revisions/{first}/revert", data={"csrf_token": token},
                       headers=JSON)
    assert resp.status_code == 400  # not confirmed
    resp = client.post(f"/admin/revisions/{first}/revert", headers=JSON,
                       data={"csrf_token": token, "confirm": "1"})
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert path.exists()
    assert client.get("/cases/xinhuazhu-tea").status_code == 200
    assert client.get("/admin/drafts/1", headers=JSON).get_json()["draft"]["status"] == (
        "published")
    with services_of(app).sessionmaker() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert {"publish", "unpublish", "revert", "publish-draft"} <= set(actions)


def test_publisher_unpublishes_a_shipped_case_from_the_case_list(app, tmp_path):
    client = client_as(app, "pub1")
    listed = client.get("/admin/cases", headers=JSON).get_json()["cases"]
    assert "huazhu-tea" in [c["id"] for c in listed]
    html = client.get("/admin/cases").get_data(as_text=True)
    assert "/admin/cases/huazhu-tea/unpublish" in html
    editor_html = client_as(app, "editor1").get("/admin/cases").get_data(as_text=True)
    assert "/admin/cases/huazhu-tea/unpublish" not in editor_html  # no button it cannot use
    token = csrf_token(client, "/admin/cases")
    resp = client.post("/admin/cases/huazhu-tea/unpublish",
                       data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 302 and "/admin/jobs/" in resp.headers["Location"]
    assert not (tmp_path / "cases" / "huazhu-tea.md").exists()
    assert wait_for_job(app, int(resp.headers["Location"].rsplit("/", 1)[1])).state == "done"
    assert "huazhu-tea" not in [c["id"] for c in client.get("/admin/cases",
                                                            headers=JSON).get_json()["cases"]]
    resp = client.post("/admin/cases/no-such-case/unpublish",
                       data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 400 and "无法撤下" in resp.get_data(as_text=True)
    # The shipped case had no revision: its text was kept as a baseline, so it comes back.
    revs = client.get("/admin/cases/huazhu-tea/history", headers=JSON).get_json()["revisions"]
    assert [r["action"] for r in revs] == ["unpublish", "baseline"]
    resp = client.post(f"/admin/revisions/{revs[1]['id']}/revert",
                       data={"csrf_token": token, "confirm": "1"})
    assert resp.status_code == 302
    assert wait_for_job(app, int(resp.headers["Location"].rsplit("/", 1)[1])).state == "done"
    assert client.get("/cases/huazhu-tea").status_code == 200
    assert (tmp_path / "cases" / "huazhu-tea.md").read_text(encoding="utf-8") == SHIPPED


def test_failed_build_keeps_serving_and_shows_the_error(app, tmp_path):
    client = client_as(app, "pub1")
    token = csrf_token(client, "/admin/drafts/1")
    before = client.get("/api/v1/facets").get_json()["generation"]

    def broken(session, rebuild):
        raise OSError("磁盘已满")

    services_of(app).jobs.build = broken
    resp = client.post("/admin/drafts/1/publish", headers=JSON,
                       data={"csrf_token": token, "mode": "new", "confirm": "1"})
    job = wait_for_job(app, resp.get_json()["job"]["id"])
    assert job.state == "failed" and "磁盘已满" in job.message
    page = client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    assert "索引失败" in page and "磁盘已满" in page
    assert client.get("/api/v1/facets").get_json()["generation"] == before
    assert client.get("/api/v1/search?q=花竹村").status_code == 200


def test_a_job_left_running_by_a_stopped_process_runs_again_when_seen(app):
    import datetime as dt

    from db.models import utcnow
    from editorial.jobs import request_job

    with services_of(app).sessionmaker() as s:
        job = request_job(s, "测试", "pub1")
        job.state, job.owner = "running", "another-host:4242:beef"  # silent for two hours
        job.heartbeat_at = utcnow() - dt.timedelta(hours=2)
        s.commit()
        job_id = job.id
    client = client_as(app, "editor1")
    html = client.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "任务已在这里重新开始" in html and 'http-equiv="refresh"' in html
    assert wait_for_job(app, job_id).state == "done"
    data = client.get(f"/admin/jobs/{job_id}", headers=JSON).get_json()["job"]
    assert data["stale"] is False and data["state"] == "done"
