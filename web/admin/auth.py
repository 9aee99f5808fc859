"""Who may use /admin: Flask-Login sessions, roles, CSRF on every form, safe cookies.

A session ends: after ADMIN_SESSION_IDLE_HOURS without a request (the signed cookie carries
its age and Flask refuses an older one), and at logout or a password change, which move the
user's `session_version` on; the cookie carries the version it was issued with and every
request compares it, so a copied cookie stops working too.
"""

from __future__ import annotations

import datetime as dt
import functools

from flask import Flask
from flask import redirect
from flask import request
from flask import session as cookie
from flask import url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import update

from editorial.models import User
from web.db import get_session
from web.errors import error_response
from web.errors import wants_json

csrf = CSRFProtect()
login_manager = LoginManager()


class Editor(UserMixin):
    """The logged-in user as the views see it (a snapshot, not a live ORM row)."""

    def __init__(self, user: User):
        self.id, self.name, self.role = str(user.id), user.name, user.role

    @property
    def can_publish(self) -> bool:
        return self.role == "publisher"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (or config says so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


@login_manager.user_loader
def load_user(user_id: str) -> Editor | None:
    """The user of this cookie, if active and the cookie's session version is still theirs."""
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 19):
        return None
    user = get_session().get(User, int(user_id))
    if user is None or not user.active or cookie.get("sv") != user.session_version:
        return None
    return Editor(user)


def start_session(user: User) -> None:
    cookie.clear()  # nothing from before the login survives it (session fixation)
    login_user(Editor(user))
    cookie["sv"] = user.session_version
    cookie.permanent = True  # expires after the idle lifetime, renewed by each request


def end_session(user_id: str) -> None:
    """Log out here and everywhere: every cookie issued for this user stops working."""
    if user_id.isascii() and user_id.isdigit():
        session = get_session()
        session.execute(update(User).where(User.id == int(user_id))
                        .values(session_version=User.session_version + 1))
        session.commit()
    logout_user()
    cookie.clear()


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return error_response(401, "请先登录")
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


def publisher_required(view):
    """Publishing and unpublishing are for publishers; editors get 403 with a reason."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.can_publish:
            return error_response(403, "只有发布员（publisher）可以发布、撤下或恢复案例")
        return view(*args, **kwargs)

    return wrapped


def init_app(app: Flask) -> None:
    # Flask's defaults name these keys (SameSite None): set ours unless configured otherwise.
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"] or "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in admin's before_request
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.session_interface = SessionInterface()
    app.permanent_session_lifetime = dt.timedelta(
        hours=float(app.config["ADMIN_SESSION_IDLE_HOURS"]))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return error_response(400, "表单缺少安全令牌或已过期（CSRF），请刷新页面后重试")
