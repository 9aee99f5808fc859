"""Who gets into /admin: each refusal, and the session cookie's flags."""

import re

import pytest
from admin_support import PASSWORD
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import login
from click.testing import CliRunner
from sqlalchemy import select
from worlds import services_of

from cli import main as cli
from db.models import make_engine
from db.models import make_sessionmaker
from editorial.models import AuditEntry
from editorial.models import User
from editorial.users import authenticate


@pytest.fixture
def app(tmp_path):
    return admin_world(tmp_path, RATELIMIT_LOGIN="3 per minute")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.parametrize("path", ["/admin/", "/admin/queries", "/admin/drafts/1",
                                  "/admin/cases/huazhu-tea/history"])
def test_anonymous_pages_redirect_to_login(client, path):
    resp = client.get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/admin/login?next=")


def test_anonymous_program_gets_401_json(client):
    resp = client.get("/admin/", headers={"Accept": "application/json"})
    assert resp.status_code == 401
    assert resp.get_json() == {"ok": False, "error": "请先登录", "errors": {}, "status": 401}


def test_anonymous_post_is_refused_before_it_does_anything(client, app):
    resp = client.post("/admin/drafts/1/publish")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def admin_writes(app) -> list[str]:
    """Every POST route of the editor area, with sample ids filled in."""
    rules = [r.rule for r in app.url_map.iter_rules() if "POST" in r.methods
             and r.rule.startswith("/admin/")]
    assert len(rules) >= 7
    return [re.sub(r"<(int:)?(\w+)>", lambda m: "1" if m.group(1) else "huazhu-tea", r)
            for r in rules]


def test_every_admin_write_needs_login_and_csrf(app):
    anonymous, editor = app.test_client(), app.test_client()
    login(editor, "pub1")
    for path in admin_writes(app):
        resp = anonymous.post(path)
        if path == "/admin/login":
            assert resp.status_code == 400  # the login form itself needs its token
        else:
            assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"], path
        assert editor.post(path).status_code == 400, path


def test_wrong_password_is_refused_and_audited(client, app):
    resp = login(client, "pub1", "not-the-password")
    assert resp.status_code == 401
    assert "用户名或密码不正确" in resp.get_data(as_text=True)
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert client.get("/admin/").status_code == 302
    with services_of(app).sessionmaker() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert actions.count("login-failed") == 2


def test_login_then_pages_and_logout(client):
    resp = login(client, "editor1")
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/"
    assert "上传报告" in client.get("/admin/").get_data(as_text=True)
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_never_redirects_off_site(client):
    token = csrf_token(client)
    resp = client.post("/admin/login?next=//evil.example/x",
                       data={"name": "editor1", "password": PASSWORD, "csrf_token": token})
    assert resp.headers["Location"] == "/admin/"


def test_post_without_csrf_token_is_400(client):
    resp = client.post("/admin/login", data={"name": "pub1", "password": PASSWORD})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    login(client, "pub1")
    resp = client.post("/admin/drafts/1/publish", headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["status"] == 400 and "CSRF" in resp.get_json()["error"]


def test_login_is_rate_limited(client):
    for _ in range(3):
        assert login(client, "pub1", "wrong-password").status_code == 401
    resp = login(client, "pub1")  # even the right password waits once the budget is spent
    assert resp.status_code == 429
    assert "请求太频繁" in resp.get_data(as_text=True)


def test_session_cookie_flags(app):
    plain = app.test_client()
    login(plain, "editor1")
    cookie = plain.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    https = app.test_client()
    token = https.get("/admin/login", base_url="https://localhost").get_data(as_text=True)
    token = token.split('name="csrf_token" value="')[1].split('"')[0]
    resp = https.post("/admin/login", base_url="https://localhost",
                      headers={"Referer": "https://localhost/admin/login"},
                      data={"name": "editor1", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"] and "HttpOnly" in resp.headers["Set-Cookie"]


def test_pages_have_no_inline_script(client):
    login(client, "pub1")
    for path in ("/admin/", "/admin/queries", "/admin/jobs"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html


def test_user_add_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    runner = CliRunner()
    result = runner.invoke(cli, ["user", "add", "李编辑", "--role", "publisher",
                                 "--password-stdin", "--url", url], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "李编辑" in result.output
    short = runner.invoke(cli, ["user", "add", "x1", "--role", "editor", "--password-stdin",
                                "--url", url], input="short\n")
    assert short.exit_code != 0 and "密码至少" in short.output
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        user = session.scalar(select(User).where(User.name == "李编辑"))
        assert user.role == "publisher" and user.password_hash.startswith("$argon2")
        assert authenticate(session, "李编辑", "a-long-password") is not None
        assert authenticate(session, "李编辑", "a-long-passwore") is None
        assert session.scalar(select(User).where(User.name == "x1")) is None
    engine.dispose()
