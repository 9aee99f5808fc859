"""What the admin views share: the job runner, config paths, JSON-or-page responses."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask import jsonify
from flask import render_template
from flask_login import current_user

from analysis.vocabulary import load_vocabulary
from editorial.jobs import is_stale
from editorial.jobs import request_job
from editorial.models import IndexJob
from web.db import get_session
from web.errors import wants_json
from web.services import get_services


def respond(template: str, data: dict, status: int = 200):
    """The page, or its JSON twin from the same dict (private `_` keys dropped)."""
    if wants_json():
        return jsonify({"ok": True, **{k: v for k, v in data.items()
                                       if not k.startswith("_")}}), status
    return render_template(template, **data), status


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
    job = request_job(get_session(), reason, user_name(), rebuild)
    get_services().jobs.start(job.id)
    return job


def job_view(job: IndexJob | None) -> dict | None:
    if job is None:
        return None
    return {"id": job.id, "state": job.state, "reason": job.reason, "message": job.message,
            "generation": job.generation, "requested_by": job.requested_by,
            "stale": is_stale(job),
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
