"""/admin/queries: the week's queries with no direct hit, and dictionary edits that fix them."""

import datetime as dt
import re

import pytest
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import login
from admin_support import wait_for_job
from sqlalchemy import select
from worlds import services_of

from analysis.segment import SHIPPED_DATA_DIR
from db.models import QueryLog
from db.models import utcnow
from editorial.models import Revision

JSON = {"Accept": "application/json"}
MISSING = "葡萄酒庄园"  # no fixture case names it (checked below, not assumed)


@pytest.fixture
def app(tmp_path):
    return admin_world(tmp_path)


def serving_analyzer(app):
    """The analyzer of the generation search serves now (a dictionary edit brings a new one)."""
    return services_of(app).search.generation().analyzer


@pytest.fixture
def client(app):
    client = app.test_client()
    login(client, "editor1")
    return client


def log(app, query: str, total: int, times: int = 1, days_ago: int = 0) -> None:
    with services_of(app).sessionmaker() as s:
        when = utcnow() - dt.timedelta(days=days_ago)
        s.add_all(QueryLog(query=query, total=total, created_at=when) for _ in range(times))
        s.commit()


def test_report_lists_this_weeks_queries_without_a_direct_hit_by_count(app, client):
    # This search is logged too (hybrid total 0 or more): one more than the four below.
    assert client.get(f"/api/v1/search?q={MISSING}&mode=keyword").get_json()["total"] == 0
    log(app, MISSING, total=3, times=4)  # logged before the tiers: still nothing answers it
    log(app, "光伏", total=2, times=9)  # answered directly now: not a miss
    log(app, "无人机飞防", total=0, times=2)
    log(app, "旧的问题", total=0, times=20, days_ago=30)  # outside the week
    data = client.get("/admin/queries", headers=JSON).get_json()
    assert [(q["query"], q["count"]) for q in data["queries"]] == [(MISSING, 5), ("无人机飞防", 2)]
    html = client.get("/admin/queries").get_data(as_text=True)
    assert MISSING in html and "改词典" in html


def test_preview_shows_segmentation_before_and_after_and_writes_nothing(app, client, tmp_path):
    resp = client.get("/admin/queries/edit", query_string={"q": "村里搞葡萄酒庄园",
                                                           "words": "葡萄酒庄园"})
    html = resp.get_data(as_text=True)
    before = html.split("现在的分词：")[1].split("</p>")[0]
    after = html.split("修改后的分词：")[1].split("</p>")[0]
    assert '<code class="tok">葡萄酒庄园</code>' not in before
    assert '<code class="tok">葡萄酒庄园</code>' in after
    assert not (tmp_path / "data").exists()
    assert "葡萄酒庄园" not in serving_analyzer(app).segment("村里搞葡萄酒庄园")


def test_saving_a_word_writes_the_editable_copy_records_and_reindexes(app, client, tmp_path):
    shipped = (SHIPPED_DATA_DIR / "userdict.txt").read_text(encoding="utf-8")
    token = csrf_token(client, "/admin/queries")
    resp = client.post("/admin/queries/edit", headers=JSON, data={
        "q": "村里搞葡萄酒庄园", "words": "葡萄酒庄园", "group": "", "phrases": "",
        "concepts": "", "csrf_token": token})
    assert resp.status_code == 202, resp.get_data(as_text=True)
    job = wait_for_job(app, resp.get_json()["job"]["id"])
    assert job.state == "done" and job.reason.startswith("词典修改")
    copy = (tmp_path / "data" / "userdict.txt").read_text(encoding="utf-8")
    assert copy.startswith(shipped.rstrip("\n")) and copy.endswith("葡萄酒庄园 20000 n\n")
    assert (SHIPPED_DATA_DIR / "userdict.txt").read_text(encoding="utf-8") == shipped
    assert "葡萄酒庄园" in serving_analyzer(app).segment("村里搞葡萄酒庄园")
    with services_of(app).sessionmaker() as s:
        rev = s.scalar(select(Revision).where(Revision.target == "data:userdict.txt"))
        assert rev.author == "editor1" and "+葡萄酒庄园 20000 n" in rev.diff


def test_synonym_group_and_concept_entry(app, client, tmp_path):
    def concepts():
        return {m.concept for m in serving_analyzer(app).concepts("村里的果园没人管")}

    assert "土地托管" not in concepts()
    token = csrf_token(client, "/admin/queries")
    resp = client.post("/admin/queries/edit", headers=JSON, data={
        "q": "村里的果园没人管", "words": "", "group": "果园 果树园",
        "phrases": "果园…没人管", "concepts": "土地托管", "csrf_token": token})
    assert resp.status_code == 202, resp.get_data(as_text=True)
    assert wait_for_job(app, resp.get_json()["job"]["id"]).state == "done"
    assert "果园 果树园" in (tmp_path / "data" / "synonyms.txt").read_text(encoding="utf-8")
    assert "土地托管" in concepts()


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"words": "有 空格 的词超过二十个字二十个字二十个字二十个字"}, "words", "不是有效的词"),
    ({"group": "单独"}, "save", "至少需要两个词"),
    ({"phrases": "地没人管", "concepts": "不存在的概念"}, "concepts", "不是词表中的|没有概念词表"),
    ({}, "words", "请填写"),
])
def test_refused_edits_write_nothing(app, client, tmp_path, fields, field, words):
    token = csrf_token(client, "/admin/queries")
    data = {"q": "测试", "words": "", "group": "", "phrases": "", "concepts": "",
            "csrf_token": token, **fields}
    resp = client.post("/admin/queries/edit", headers=JSON, data=data)
    assert resp.status_code == 400
    assert re.search(words, resp.get_json()["errors"][field])
    assert not (tmp_path / "data").exists()


def test_a_query_outside_the_library_is_set_aside(app, client):
    log(app, "火星基地", total=0, times=3)
    html = client.get("/admin/queries").get_data(as_text=True)
    assert "没有直接命中" in html and "不属于本库范围" in html and "火星基地" in html
    token = csrf_token(client, "/admin/queries")
    assert client.post("/admin/queries/dismiss", data={"q": "火星基地"}).status_code == 400  # CSRF
    resp = client.post("/admin/queries/dismiss", data={"q": "火星基地", "csrf_token": token})
    assert resp.status_code == 302
    queries = client.get("/admin/queries", headers=JSON).get_json()["queries"]
    assert "火星基地" not in [q["query"] for q in queries]
    audit = client.get("/admin/", headers=JSON).get_json()["audit"]
    assert audit[0]["action_label"] == "标为不属于本库范围"
