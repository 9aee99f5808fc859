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
from flask_login import login_user
from flask_login import logout_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from editorial.drafts import uploads
from editorial.jobs import recent_jobs
from editorial.models import IndexJob
from editorial.records import audit
from editorial.records import audit_trail
from editorial.users import authenticate
from web import admin_auth
from web import admin_drafts
from web import admin_queries
from web.admin_auth import csrf
from web.admin_auth import login_manager
from web.admin_services import job_view
from web.admin_services import respond
from web.db import get_session
from web.errors import error_response
from web.errors import wants_json

PUBLIC_ENDPOINTS = {"admin.login"}


def guard():
    """Login first, then the CSRF token of every POST (the upload gets its own size cap)."""
    if request.endpoint == "admin.upload":
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.method == "POST":
        csrf.protect()
    return None


def too_large(_exc):
    mb = current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024)
    return error_response(413, f"文件太大：上传上限为 {mb} MB，请拆分后再传")


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
        login_user(admin_auth.Editor(user))
        target = request.args.get("next", "")
        # Only a path on this site: never an open redirect to another host.
        if not target.startswith("/admin") or target.startswith("//"):
            target = url_for("admin.index")
        if wants_json():
            return respond("admin/login.html", {"user": user.name, "role": user.role})
        return redirect(target)
    return respond("admin/login.html", data)


def logout():
    logout_user()
    return redirect(url_for("admin.login"))


def index():
    session = get_session()
    data = {
        "user": {"name": current_user.name, "role": current_user.role},
        "uploads": [admin_drafts.upload_view(u) for u in uploads(session)],
        "jobs": [job_view(j) for j in recent_jobs(session)],
        "audit": [{"actor": a.actor, "action": a.action, "target": a.target,
                   "detail": a.detail, "at": a.created_at.isoformat()}
                  for a in audit_trail(session, 20)],
    }
    return respond("admin/index.html", data)


def job(job_id: int):
    found = get_session().get(IndexJob, job_id)
    if found is None:
        abort(404)
    return respond("admin/job.html", {"job": job_view(found)})


def jobs():
    session = get_session()
    latest = session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(50))
    return respond("admin/jobs.html", {"jobs": [job_view(j) for j in latest]})


def register(app: Flask) -> None:
    """A blueprint per app: the login view is wrapped by this app's rate limiter."""
    bp = Blueprint("admin", __name__, url_prefix="/admin")
    bp.before_request(guard)
    bp.register_error_handler(RequestEntityTooLarge, too_large)
    limiter = app.extensions["casebase_api_limiter"]
    limited_login = limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"],
                                  methods=["POST"], key_func=lambda: request.remote_addr or "-",
                                  scope="admin-login")(login)
    bp.add_url_rule("/login", "login", limited_login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/jobs", "jobs", jobs)
    bp.add_url_rule("/jobs/<int:job_id>", "job", job)
    admin_drafts.register(bp)
    admin_queries.register(bp)
    app.register_blueprint(bp)


def init_app(app: Flask) -> None:
    admin_auth.init_app(app)
    register(app)
    app.extensions.setdefault("casebase_nav", []).append(("admin.index", "编辑后台"))
