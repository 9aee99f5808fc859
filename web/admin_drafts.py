"""Admin views over reports and drafts: upload, review side by side, save, publish, history."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for

from editorial.drafts import DraftInvalid
from editorial.drafts import EditConflict
from editorial.drafts import check_text
from editorial.drafts import join_text
from editorial.drafts import save_draft
from editorial.drafts import split_text
from editorial.drafts import store_import
from editorial.form import apply_form
from editorial.form import figure_rows
from editorial.form import form_fields
from editorial.models import Draft
from editorial.models import Revision
from editorial.publish import PublishError
from editorial.publish import publish_draft
from editorial.publish import revert
from editorial.publish import unpublish
from editorial.records import history
from web import admin_review
from web.admin_auth import publisher_required
from web.admin_services import cases_dir
from web.admin_services import respond
from web.admin_services import start_reindex
from web.admin_services import user_name
from web.admin_services import vocab
from web.db import get_session
from web.errors import error_response
from web.errors import wants_json
from web.services import get_service
from web.services import get_services


def upload_view(upload) -> dict:
    """An upload and its drafts; each draft lists the existing cases it may repeat (same id
    or village; the review page adds the text comparison)."""
    return {"id": upload.id, "filename": upload.filename, "source_name": upload.source_name,
            "uploaded_by": upload.uploaded_by, "created_at": upload.created_at.isoformat(),
            "warnings": upload.warnings,
            "drafts": [{"id": d.id, "slug": d.slug, "title": d.title, "status": d.status,
                        "version": d.version, "url": url_for("admin.draft", draft_id=d.id),
                        "duplicates": admin_review.duplicates(d, split_text(d.text)[0],
                                                              by_text=False)}
                       for d in upload.drafts]}


def upload():
    """Import one report into drafts; a refused file stores nothing."""
    file = request.files.get("report")
    if file is None or not file.filename:
        return error_response(400, "请选择要上传的报告文件", {"report": "未选择文件"})
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    from importer import ImportFailed  # late: the importer pulls in document libraries
    from importer import import_file

    fd, tmp = tempfile.mkstemp(prefix="upload-")  # the importer checks type and content
    try:
        with os.fdopen(fd, "wb") as fh:
            file.save(fh)
        result = import_file(Path(tmp), vocab(), analyzer=get_services().analyzer,
                             original_name=name,
                             max_bytes=current_app.config["UPLOAD_MAX_BYTES"])
    except ImportFailed as exc:
        return error_response(400, exc.message, {"report": exc.message})  # names the file
    finally:
        Path(tmp).unlink(missing_ok=True)
    if not result.drafts:
        return error_response(400, f"“{name}”中没有识别出村或乡镇的案例，未保存任何内容",
                              {"report": "没有识别出案例"})
    # The name is only shown (escaped), never used as a path: keep it as the editor knows it.
    stored = store_import(get_session(), result, name, user_name())
    if wants_json():
        return respond("admin/index.html", {"upload": upload_view(stored)}, 201)
    return redirect(url_for("admin.index") + f"#upload-{stored.id}")


def get_draft_or_404(draft_id: int) -> Draft:
    draft = get_session().get(Draft, draft_id)
    if draft is None:
        abort(404)
    return draft


def draft(draft_id: int):
    found = get_draft_or_404(draft_id)
    meta, body = split_text(found.text)
    return respond("admin/draft.html", draft_data(found, meta, body, check_text(found.text,
                                                                                 vocab())))


def draft_data(found: Draft, meta: dict, body: str, errors: dict, conflict=None) -> dict:
    return {
        "draft": {"id": found.id, "slug": found.slug, "title": found.title,
                  "status": found.status, "version": found.version,
                  "updated_by": found.updated_by, "upload_id": found.upload_id},
        "fields": form_fields(meta, body), "figures": figure_rows(meta),
        "errors": errors, "conflict": conflict,
        **admin_review.review_data(found, meta, body),
    }


def save(draft_id: int):
    """Save the edited form; invalid input or a concurrent save keeps everyone's text."""
    found = get_draft_or_404(draft_id)
    meta, body = apply_form(split_text(found.text)[0], request.form)
    text = join_text(meta, body)
    version = request.form.get("version", "")
    if not version.isdigit():
        return error_response(400, "表单缺少版本号，请刷新页面", {"version": "缺少"})
    try:
        saved = save_draft(get_session(), draft_id, text, int(version), user_name(), vocab())
    except DraftInvalid as exc:
        data = draft_data(found, meta, body, exc.errors)
        data["draft"]["version"] = int(version)  # resubmitting keeps the version it edits
        return respond("admin/draft.html", dict(data, ok=False), 400)
    except EditConflict as exc:
        data = draft_data(found, meta, body, {}, conflict={
            "by": exc.current.updated_by, "version": exc.current.version,
            "message": f"{exc}：您的修改没有保存。下面保留了您填写的内容，"
                       "请打开新版本核对后再保存。"})
        data["draft"]["version"] = int(version)
        return respond("admin/draft.html", dict(data, ok=False), 409)
    if wants_json():
        return respond("admin/draft.html", {"draft": {"id": saved.id, "version": saved.version}})
    return redirect(url_for("admin.draft", draft_id=draft_id, saved=1))


@publisher_required
def publish(draft_id: int):
    found = get_draft_or_404(draft_id)
    try:
        rev = publish_draft(get_session(), found, cases_dir(), user_name(), vocab())
    except DraftInvalid as exc:
        return error_response(400, "草稿还有问题，不能发布", exc.errors)
    except PublishError as exc:
        return error_response(400, str(exc))
    return after_write(rev, f"发布 {found.slug}")


@publisher_required
def unpublish_case(slug: str):
    try:
        rev = unpublish(get_session(), slug, cases_dir(), user_name())
    except PublishError as exc:
        return error_response(400, str(exc))
    return after_write(rev, f"撤下 {slug}")


@publisher_required
def revert_revision(revision_id: int):
    try:
        rev = revert(get_session(), revision_id, cases_dir(), user_name(), vocab())
    except PublishError as exc:
        return error_response(400, str(exc))
    return after_write(rev, f"恢复 {rev.target}（修订 #{revision_id}）")


def after_write(rev: Revision, reason: str):
    """Start the reindex and show its job page (JSON: the revision and the job)."""
    job = start_reindex(reason)
    if wants_json():
        return respond("admin/job.html", {"revision": rev.id, "job": {"id": job.id, "url": url_for(
            "admin.job", job_id=job.id)}}, 202)
    return redirect(url_for("admin.job", job_id=job.id))


def cases():
    """Every case the site serves, with its history and (for publishers) an unpublish button."""
    catalog = get_service().generation().catalog
    return respond("admin/cases.html", {"cases": [
        {"id": c.slug, "title": c.title, "url": url_for("core.case_page", slug=c.slug),
         "history_url": url_for("admin.history", slug=c.slug)}
        for c in sorted(catalog.values(), key=lambda c: c.slug)]})


def case_history(slug: str):
    revs = history(get_session(), f"case:{slug}")
    return respond("admin/history.html", {"slug": slug, "revisions": [
        {"id": r.id, "action": r.action, "author": r.author, "hash": r.content_hash,
         "at": r.created_at.isoformat(), "diff": r.diff, "removed": r.content is None}
        for r in revs]})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/uploads", "upload", upload, methods=["POST"])
    bp.add_url_rule("/drafts/<int:draft_id>", "draft", draft)
    bp.add_url_rule("/drafts/<int:draft_id>", "save", save, methods=["POST"])
    bp.add_url_rule("/drafts/<int:draft_id>/publish", "publish", publish, methods=["POST"])
    bp.add_url_rule("/cases", "cases", cases)
    bp.add_url_rule("/cases/<slug>/unpublish", "unpublish", unpublish_case, methods=["POST"])
    bp.add_url_rule("/cases/<slug>/history", "history", case_history)
    bp.add_url_rule("/revisions/<int:revision_id>/revert", "revert", revert_revision,
                    methods=["POST"])
