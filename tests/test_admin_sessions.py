"""Sessions that end and a login limit that one client cannot spend for everyone else."""

import datetime as dt

import pytest
from admin_support import PASSWORD
from admin_support import admin_world
from admin_support import csrf_token
from admin_support import login
from sqlalchemy import select
from worlds import services_of

from editorial.models import AuditEntry
from editorial.users import add_user

JSON = {"Accept": "application/json"}


@pytest.fixture
def app(tmp_path):
    return admin_world(tmp_path, RATELIMIT_LOGIN="3 per minute",
                       RATELIMIT_LOGIN_ADDRESS="5 per minute", TRUSTED_PROXIES=1)


def replay(app, cookie: str):
    """A different browser holding a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/admin/", headers=JSON)


def test_a_copied_cookie_stops_working_at_logout(app):
    client = app.test_client()
    assert login(client, "editor1").status_code == 302
    copied = client.get_cookie("session").value
    assert replay(app, copied).status_code == 200  # the copy works while the session lives
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert replay(app, copied).status_code == 401
    assert client.get("/admin/", headers=JSON).status_code == 401


def test_a_copied_cookie_stops_working_after_a_password_change(app):
    client = app.test_client()
    login(client, "editor1")
    copied = client.get_cookie("session").value
    with services_of(app).sessionmaker() as session:
        add_user(session, "editor1", "editor", "a-new-password-7")  # `casebase user add`
    assert replay(app, copied).status_code == 401
    assert client.get("/admin/", headers=JSON).status_code == 401
    assert login(client, "editor1", "a-new-password-7").status_code == 302
    assert client.get("/admin/", headers=JSON).status_code == 200


def test_logout_ends_the_users_other_sessions_too(app):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "pub1")
    login(phone, "pub1")
    laptop.post("/admin/logout", data={"csrf_token": csrf_token(laptop, "/admin/")})
    assert phone.get("/admin/", headers=JSON).status_code == 401


def test_the_session_cookie_expires_after_the_idle_lifetime(app):
    client = app.test_client()
    login(client, "editor1")
    expires = client.get_cookie("session").expires
    assert expires is not None  # a lifetime, not a browser-session cookie that lives on
    limit = dt.datetime.now(dt.UTC) + dt.timedelta(hours=12, minutes=1)
    assert expires.replace(tzinfo=dt.UTC) <= limit
    assert app.permanent_session_lifetime == dt.timedelta(hours=12)


def behind_proxy(app, address: str):
    """A browser whose requests reach the app through the reverse proxy at 127.0.0.1."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    return client


def test_one_client_behind_the_proxy_cannot_lock_out_the_others(app):
    attacker = behind_proxy(app, "203.0.113.5")
    codes = [login(attacker, "pub1", "wrong-password").status_code for _ in range(20)]
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429
    assert login(attacker, "pub1").status_code == 429  # its own budget is spent
    editor = behind_proxy(app, "198.51.100.7")
    assert login(editor, "pub1").status_code == 302  # the same account, another client
    assert login(behind_proxy(app, "198.51.100.8"), "editor1").status_code == 302
    with services_of(app).sessionmaker() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "login")))
        assert {e.address for e in entries} == {"198.51.100.7", "198.51.100.8"}
        failed = session.scalars(select(AuditEntry).where(AuditEntry.action == "login-failed"))
        assert {e.address for e in failed} == {"203.0.113.5"}


def test_one_client_trying_many_accounts_is_limited_by_address(app):
    attacker = behind_proxy(app, "203.0.113.9")
    codes = [login(attacker, f"user{i}", "wrong-password").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(tmp_path):
    app = admin_world(tmp_path, RATELIMIT_LOGIN="3 per minute")  # TRUSTED_PROXIES 0
    forger = behind_proxy(app, "198.51.100.99")
    assert login(forger, "editor1").status_code == 302
    with services_of(app).sessionmaker() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "login"))
        assert entry.address == "127.0.0.1"


def test_every_admin_response_is_no_store(app):
    client = app.test_client()
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    login(client, "pub1")
    for path in ("/admin/", "/admin/jobs", "/admin/cases", "/admin/queries", "/admin/drafts/9"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize("target", ["/admin/jobs\r\nSet-Cookie: x=1", "/admin/\x00jobs",
                                    "/admin\\\\evil.example", "//evil.example/admin"])
def test_control_characters_in_next_are_ignored(app, target):
    client = app.test_client()
    token = csrf_token(client)
    resp = client.post("/admin/login", query_string={"next": target},
                       data={"name": "editor1", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/"
