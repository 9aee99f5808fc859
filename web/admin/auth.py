"""Who may use /admin: Flask-Login sessions, roles, CSRF on every form, safe cookies."""

from __future__ import annotations

import functools

from flask import Flask
from flask import redirect
from flask import request
from flask import url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect

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
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return Editor(user) if user is not None and user.active else None


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
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return error_response(400, "表单缺少安全令牌或已过期（CSRF），请刷新页面后重试")
