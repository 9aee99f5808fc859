"""The editor area at /admin: log in, upload reports, review and publish drafts, see jobs.

Every page is server-rendered and script-free (the CSP forbids inline script) and has a JSON
twin (Accept: application/json). Every POST carries a CSRF token; anonymous visitors are sent
to the login page (programs get 401); publishing needs the publisher role.
"""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from editorial.jobs import recent_jobs
from editorial.models import IndexJob
from editorial.records import audit
from editorial.records import audit_trail
from editorial.users import authenticate
from web.admin import auth
from web.admin import drafts
from web.admin import queries
from web.admin import services
from web.admin.auth import csrf
from web.admin.auth import login_manager
from web.admin.services import audit_view
from web.admin.services import job_view
from web.admin.services import respond
from web.db import get_session
from web.errors import wants_json
from web.params import parse_int
from web.services import get_services

PUBLIC_ENDPOINTS = {"admin.login"}


def guard():
    """Login first, then the CSRF token of every POST (the upload gets its own size cap)."""
    # The audit trail keeps the client's address (the real one, behind ProxyFix).
    get_session().info["client_address"] = request.remote_addr or ""
    if request.endpoint == "admin.upload":
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.method == "POST":
        csrf.protect()
    return None


def no_store(response):
    """Admin pages hold drafts and names: no browser or proxy keeps a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str) -> str:
    """A path inside /admin to go to after login, else the admin home: never another host,
    never a header split (control characters)."""
    if (not target.startswith("/admin") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 or ord(c) == 127 for c in target)):
        return url_for("admin.index")
    return target


def too_large(_exc):
    mb = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
    return services.refuse(413, f"文件太大：上传上限为 {mb} MB，请拆分后再传")


def login():
    data = {"error": None, "name": ""}
    if request.method == "POST":
        name = request.form.get("name", "").strip()[:60]
        session = get_session()
        user = authenticate(session, name, request.form.get("password", ""))
        audit(session, name or "-", "login" if user else "login-failed", "admin",
              request.remote_addr or "")
        session.commit()
        if user is None:
            data.update(error="用户名或密码不正确", name=name)
            return respond("admin/login.html", data, 401)
        auth.start_session(user)
        target = safe_next(request.args.get("next", ""))
        if wants_json():
            return respond("admin/login.html", {"user": user.name, "role": user.role})
        return redirect(target)
    return respond("admin/login.html", data)


def logout():
    session = get_session()
    audit(session, current_user.name, "logout", "admin", request.remote_addr or "")
    auth.end_session(current_user.get_id())  # commits the audit entry too
    return redirect(url_for("admin.login"))


def index():
    session = get_session()
    data = {
        "user": {"name": current_user.name, "role": current_user.role},
        **drafts.drafts_listing(parse_int(request.args.get("page"), "page", low=1,
                                          high=10**6, default=1, label="页码")),
        "jobs": [job_view(j) for j in recent_jobs(session)],
        "audit": [audit_view(a) for a in audit_trail(session, 20)],
    }
    return respond("admin/index.html", data)


def job(job_id: int):
    session = get_session()
    found = session.get(IndexJob, job_id)
    if found is None:
        abort(404)
    view = job_view(found)
    if view["stale"] and job_id in get_services().jobs.recover():
        session.refresh(found)
        view = dict(job_view(found), recovered=True)
    return respond("admin/job.html", {"job": view})


def jobs():
    session = get_session()
    latest = session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(50))
    return respond("admin/jobs.html", {"jobs": [job_view(j) for j in latest]})


def address_key() -> str:
    return request.remote_addr or "-"


def login_key() -> str:
    return f"{address_key()}|{request.form.get('name', '').strip()[:60]}"


def register(app: Flask) -> None:
    """A blueprint per app: the login view is wrapped by this app's rate limiter."""
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    bp.before_request(guard)
    bp.register_error_handler(RequestEntityTooLarge, too_large)
    bp.after_request(no_store)
    limiter = app.extensions["casebase_api_limiter"]
    failed = lambda response: response.status_code == 401  # noqa: E731
    # Failed logins only, per address and account, and per address over all accounts: one
    # client spends its own budget, never another's (behind a proxy see TRUSTED_PROXIES).
    limited_login = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"],
                                  methods=["POST"], key_func=login_key, deduct_when=failed,
                                  scope="admin-login")(login)
    limited_login = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"],
                                  methods=["POST"], key_func=address_key, deduct_when=failed,
                                  scope="admin-login-address")(limited_login)
    bp.add_url_rule("/login", "login", limited_login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/jobs", "jobs", jobs)
    bp.add_url_rule("/jobs/<int:job_id>", "job", job)
    drafts.register(bp)
    queries.register(bp)
    app.register_blueprint(bp)


def init_app(app: Flask) -> None:
    auth.init_app(app)
    services.init_app(app)
    register(app)
    app.extensions.setdefault("casebase_nav", []).append(("admin.index", "编辑后台"))
