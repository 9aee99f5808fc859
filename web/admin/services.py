"""What the admin views share: the job runner, config paths, JSON-or-page responses."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from analysis.vocabulary import load_vocabulary
from editorial.jobs import is_stale
from editorial.models import IndexJob
from web.db import get_session
from web.errors import error_body
from web.errors import wants_json
from web.services import get_services

log = logging.getLogger(__name__)


def respond(template: str, data: dict, status: int = 200):
    """The page, or its JSON twin from the same dict (private `_` keys dropped)."""
    if wants_json():
        return jsonify({"ok": True, **{k: v for k, v in data.items()
                                       if not k.startswith("_")}}), status
    return render_template(template, **data), status


def refuse(status: int, message: str, errors: dict | None = None, *, back: tuple | None = None,
           more: tuple | None = None):
    """One sentence and a way back (the upload form unless `back` says otherwise); programs
    get the usual error body. `back` and `more` are (label, url)."""
    if wants_json():
        return jsonify(error_body(status, message, errors)), status
    back = back or ("返回上传页面", url_for("admin.index") + "#upload-form")
    links = {"back": {"label": back[0], "url": back[1]},
             "more": {"label": more[0], "url": more[1]} if more else None}
    return render_template("admin/error.html", message=message, **links), status


def cases_dir() -> Path:
    return Path(current_app.config["CASES_DIR"])


def data_dir() -> Path:
    folder = current_app.config["EDITABLE_DATA_DIR"]
    if not folder:
        raise RuntimeError("EDITABLE_DATA_DIR is not configured")
    return Path(folder)


def vocab():
    return load_vocabulary()


def user_name() -> str:
    return current_user.name


def start_reindex(reason: str, rebuild: bool = False) -> IndexJob:
    """Record a job and run it in the background; the request returns at once."""
    return get_services().jobs.submit(get_session(), reason, user_name(), rebuild)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(moment: dt.datetime | None) -> str | None:
    """A stored UTC time as editors read it: Beijing time, no “T”."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


ACTIONS = {"login": "登录", "login-failed": "登录失败", "logout": "退出登录", "upload": "上传报告",
           "edit": "修改草稿", "publish": "发布案例", "publish-draft": "发布草稿",
           "unpublish": "撤下案例", "revert": "恢复修订", "edit-data": "修改词典",
           "dismiss-query": "标为不属于本库范围", "baseline": "保存原始版本"}
STATES = {"queued": "排队中", "running": "运行中", "done": "完成", "failed": "失败"}


def audit_view(entry) -> dict:
    """An audit entry as editors read it: Chinese action name, Beijing time, client address."""
    return {"actor": entry.actor, "action": entry.action,
            "action_label": ACTIONS.get(entry.action, entry.action), "target": entry.target,
            "detail": entry.detail, "address": entry.address,
            "at": local_time(entry.created_at)}


def job_view(job: IndexJob | None) -> dict | None:
    if job is None:
        return None
    return {"id": job.id, "state": job.state, "reason": job.reason, "message": job.message,
            "generation": job.generation, "requested_by": job.requested_by,
            "stale": is_stale(job, stale_seconds=current_app.config["JOB_STALE_SECONDS"]),
            "state_label": STATES.get(job.state, job.state),
            "created_at": local_time(job.created_at),
            "finished_at": local_time(job.finished_at)}


def init_app(app: Flask) -> None:
    """At start-up, run again the reindex jobs a stopped process left queued or running."""
    if app.extensions.get("casebase_schema_pending"):
        return  # no database yet: a job page will look again later
    try:
        app.extensions["casebase"].jobs.recover()
    except SQLAlchemyError as exc:
        log.error("could not look for interrupted reindex jobs: %s", exc)
