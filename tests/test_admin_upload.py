"""Uploading reports through /admin: the city report becomes drafts; bad files store nothing."""

import io

import pytest
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import login
from sqlalchemy import func
from sqlalchemy import select
from test_import_bad_input import BAD
from test_import_bad_input import REPORT
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from worlds import services_of

from editorial.models import Draft
from editorial.models import Upload

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("upload")
    app = admin_world(root, UPLOAD_MAX_BYTES=5 * 1024 * 1024)
    client = app.test_client()
    login(client, "editor1")
    return app, client, root


def post_file(client, name: str, data: bytes, **kwargs):
    """Post a multipart body built in memory (the test client would spool a large one to a
    temporary file that it never closes)."""
    token = csrf_token(client, "/admin/")
    boundary, body = encode_multipart({"csrf_token": token,
                                       "report": FileStorage(io.BytesIO(data), name)})
    return client.post("/admin/uploads", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def stored(app) -> tuple[int, int]:
    with services_of(app).sessionmaker() as s:
        return (s.scalar(select(func.count()).select_from(Upload)),
                s.scalar(select(func.count()).select_from(Draft)))


def case_files(root):
    return sorted(p.name for p in (root / "cases").glob("*.md"))


def test_city_report_becomes_drafts_with_marked_evidence(world):
    app, client, root = world
    before = case_files(root)
    resp = post_file(client, "city-report.md", REPORT.read_bytes(), headers=JSON)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    upload = resp.get_json()["upload"]
    titles = " ".join(d["title"] for d in upload["drafts"])
    for village in ("韶源", "银田", "长湖", "韶阳", "清溪镇", "瓦坪"):
        assert village in titles
    yintian = next(d for d in upload["drafts"] if d["title"].startswith("银田村"))
    page = client.get(yintian["url"]).get_data(as_text=True)
    assert "<mark" in page and "750余亩" in page.split('class="source-text"')[1]
    assert case_files(root) == before  # an upload publishes nothing


@pytest.mark.parametrize(("name", "make", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_upload_is_refused_in_chinese_and_stores_nothing(world, name, make, words):
    app, client, root = world
    before, files = stored(app), case_files(root)
    resp = post_file(client, name, make(), headers=JSON)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["ok"] is False and words in body["error"]
    assert stored(app) == before and case_files(root) == files


def test_oversized_upload_is_413_and_stores_nothing(world):
    app, client, _ = world
    before = stored(app)
    resp = post_file(client, "big.pdf", b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024))
    assert resp.status_code == 413
    assert "上传上限为 5 MB" in resp.get_data(as_text=True)
    assert stored(app) == before


def test_upload_without_file_or_token(world):
    app, client, _ = world
    token = csrf_token(client, "/admin/")
    resp = client.post("/admin/uploads", data={"csrf_token": token}, headers=JSON)
    assert resp.status_code == 400 and "请选择" in resp.get_json()["error"]
    resp = client.post("/admin/uploads", data={"report": (io.BytesIO(b"x"), "a.md")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400


def test_gbk_text_report_is_read(world):
    app, client, _ = world
    text = REPORT.read_text(encoding="utf-8").split("\n", 1)[1]
    resp = post_file(client, "报告.txt", text.encode("gb18030"), headers=JSON)
    assert resp.status_code == 201
    assert any(d["title"].startswith("长湖村") for d in resp.get_json()["upload"]["drafts"])
    assert resp.get_json()["upload"]["filename"] == "报告.txt"


def test_script_in_a_web_page_never_reaches_the_draft(world):
    app, client, _ = world
    body = REPORT.read_text(encoding="utf-8").split("\n", 1)[1].replace("\n", "</p><p>")
    html = (f"<html><head><title>**市工作报告</title><script>alert('x')</script></head><body>"
            f"<article><p>{body}</p><img src=x onerror=alert(1)></article></body></html>")
    resp = post_file(client, "report.html", html.encode(), headers=JSON)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    for d in resp.get_json()["upload"]["drafts"]:
        page = client.get(d["url"]).get_data(as_text=True)
        assert "alert(" not in page and "<script" not in page


def test_a_re_upload_is_recognised_and_drafts_get_readable_ids(tmp_path):
    app = admin_world(tmp_path, UPLOAD_MAX_BYTES=5 * 1024 * 1024)
    client = app.test_client()
    login(client, "editor1")
    resp = post_file(client, "city-report.md", REPORT.read_bytes(), headers=JSON)
    assert resp.status_code == 201
    drafts = resp.get_json()["upload"]["drafts"]
    slugs = [d["slug"] for d in drafts]
    assert len(set(slugs)) == len(slugs) and not any(s.startswith("case-") for s in slugs)
    changhu = next(d for d in drafts if d["title"].startswith("长湖村"))
    assert changhu["slug"].startswith("changhu-")
    before = stored(app)
    again = post_file(client, "再传一次.md", REPORT.read_bytes(), headers=JSON)
    body = again.get_json()
    assert again.status_code == 409 and stored(app) == before
    assert "这个文件已于" in body["error"] and f"生成了 {len(drafts)} 篇草稿" in body["error"]
    assert body["errors"]["upload_url"].endswith(f"#upload-{resp.get_json()['upload']['id']}")
    page = post_file(client, "再传一次.md", REPORT.read_bytes()).get_data(as_text=True)
    assert page.count("这个文件已于") == 1 and 'href="/admin/' in page


def test_an_upload_over_the_draft_cap_stores_nothing(tmp_path):
    app = admin_world(tmp_path, UPLOAD_MAX_DRAFTS=2)
    client = app.test_client()
    login(client, "editor1")
    resp = post_file(client, "city-report.md", REPORT.read_bytes(), headers=JSON)
    assert resp.status_code == 400 and "超过每次上传 2 篇的上限" in resp.get_json()["error"]
    assert stored(app) == (0, 0)
