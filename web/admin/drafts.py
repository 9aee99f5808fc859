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

from casefile.slug import SLUG_RULE
from casefile.slug import is_slug
from editorial.drafts import DraftInvalid
from editorial.drafts import EditConflict
from editorial.drafts import check_text
from editorial.drafts import drafts_page
from editorial.drafts import evidence_sentences
from editorial.drafts import file_sha256
from editorial.drafts import find_upload
from editorial.drafts import join_text
from editorial.drafts import published_before
from editorial.drafts import save_draft
from editorial.drafts import split_text
from editorial.drafts import store_import
from editorial.form import apply_form
from editorial.form import figure_rows
from editorial.form import form_fields
from editorial.gate import GateRefused
from editorial.gate import blocking
from editorial.gate import override_reason
from editorial.gate import provenance_problems
from editorial.models import Draft
from editorial.models import Revision
from editorial.publish import AlreadyPublished
from editorial.publish import PublishError
from editorial.publish import publish_draft
from editorial.publish import rename_case
from editorial.publish import revert
from editorial.publish import unpublish
from editorial.records import history
from web.admin.auth import publisher_required
from web.admin.review import duplicates
from web.admin.review import review_data
from web.admin.services import cases_dir
from web.admin.services import local_time
from web.admin.services import refuse
from web.admin.services import respond
from web.admin.services import start_reindex
from web.admin.services import user_name
from web.admin.services import vocab
from web.db import get_session
from web.errors import wants_json
from web.params import parse_int
from web.services import get_service
from web.services import get_services


def upload_view(upload, with_drafts: bool = True) -> dict:
    """An upload and its drafts; each draft lists the existing cases it may repeat (same id
    or village; the review page adds the text comparison)."""
    view = {"id": upload.id, "filename": upload.filename, "source_name": upload.source_name,
            "uploaded_by": upload.uploaded_by, "created_at": local_time(upload.created_at),
            "warnings": upload.warnings}
    if with_drafts:
        view["drafts"] = [draft_item(d) for d in upload.drafts]
    return view


def draft_item(d: Draft) -> dict:
    """A draft in a list; its link opens the review at the first evidence sentence."""
    meta = split_text(d.text)[0]
    found = next((n for n, sentence in enumerate(evidence_sentences(meta))
                  if sentence in d.upload.source_text), None)
    anchor = f"#ev-{found}" if found is not None else ""
    return {"id": d.id, "slug": d.slug, "title": d.title, "status": d.status,
            "version": d.version, "url": url_for("admin.draft", draft_id=d.id) + anchor,
            "duplicates": duplicates(d, meta, by_text=False)}


PER_PAGE = 50


def drafts_listing(page: int) -> dict:
    """The admin home's drafts, 50 a page, grouped under their uploads."""
    rows, total = drafts_page(get_session(), page, PER_PAGE)
    groups: dict[int, dict] = {}
    for d in rows:
        if d.upload_id not in groups:
            groups[d.upload_id] = dict(upload_view(d.upload, with_drafts=False), drafts=[])
        groups[d.upload_id]["drafts"].append(draft_item(d))
    pages = max(1, -(-total // PER_PAGE))
    return {"uploads": list(groups.values()), "page": page, "pages": pages, "total": total}


def upload():
    """Import one report into drafts; a refused file stores nothing."""
    file = request.files.get("report")
    if file is None or not file.filename:
        return refuse(400, "请选择要上传的报告文件", {"report": "未选择文件"})
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    from importer import ImportFailed  # late: the importer pulls in document libraries
    from importer import import_file

    fd, tmp = tempfile.mkstemp(prefix="upload-")  # the importer checks type and content
    try:
        with os.fdopen(fd, "wb") as fh:
            file.save(fh)
        digest = file_sha256(Path(tmp))
        earlier = find_upload(get_session(), digest)
        if earlier is not None:
            return seen_before(earlier)
        result = import_file(Path(tmp), vocab(), analyzer=get_services().analyzer,
                             original_name=name,
                             max_bytes=current_app.config["UPLOAD_MAX_BYTES"])
    except ImportFailed as exc:
        return refuse(400, exc.message, {"report": exc.message})  # names the file
    finally:
        Path(tmp).unlink(missing_ok=True)
    if not result.drafts:
        return refuse(400, f"“{name}”中没有识别出村或乡镇的案例，未保存任何内容",
                      {"report": "没有识别出案例"})
    cap = int(current_app.config["UPLOAD_MAX_DRAFTS"])
    if len(result.drafts) > cap:
        message = (f"“{name}”拆出了 {len(result.drafts)} 篇草稿，超过每次上传 {cap} 篇的上限，"
                   "未保存任何内容：请把报告拆成几份再传")
        return refuse(400, message, {"report": message})
    # The name is only shown (escaped), never used as a path: keep it as the editor knows it.
    stored = store_import(get_session(), result, name, user_name(), sha256=digest,
                          taken=set(get_service().generation().catalog))
    if wants_json():
        return respond("admin/index.html", {"upload": upload_view(stored)}, 201)
    return redirect(url_for("admin.index") + f"#upload-{stored.id}")


def seen_before(earlier):
    """The same bytes were uploaded already: say when, what came of it, and link there."""
    when = local_time(earlier.created_at)
    message = (f"这个文件已于 {when} 上传过（{earlier.filename}，{earlier.uploaded_by}），"
               f"生成了 {len(earlier.drafts)} 篇草稿，未再次导入")
    link = url_for("admin.index") + f"#upload-{earlier.id}"
    return refuse(409, message, {"report": message, "upload_url": link},
                  more=("查看那次上传的草稿", link))


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
    problems = provenance_problems(join_text(meta, body), found.upload.source_text, vocab(),
                                   get_services().analyzer)
    return {
        "provenance": problems, "gate": blocking(problems),
        "id_locked": published_before(get_session(), found.id),
        "draft": {"id": found.id, "slug": found.slug, "title": found.title,
                  "status": found.status, "version": found.version,
                  "updated_by": found.updated_by, "upload_id": found.upload_id},
        "fields": form_fields(meta, body), "figures": figure_rows(meta),
        "metrics": vocab().metrics,
        "errors": errors, "conflict": conflict,
        **review_data(found, meta, body),
    }


def save(draft_id: int):
    """Save the edited form; invalid input or a concurrent save keeps everyone's text."""
    found = get_draft_or_404(draft_id)
    version = parse_int(request.form.get("version"), "version", low=1, label="版本号")
    parse_int(request.form.get("figure_count"), "figure_count", high=200, default=0,
              label="数字行数")
    meta, body = apply_form(split_text(found.text)[0], request.form)
    text = join_text(meta, body)
    try:
        saved = save_draft(get_session(), draft_id, text, version, user_name(), vocab())
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
    """Publish through the gate: provenance, the duplicate question, one publish per version."""
    found = get_draft_or_404(draft_id)
    back = {"back": ("返回草稿", url_for("admin.draft", draft_id=draft_id))}
    version = parse_int(request.form.get("version"), "version", low=1, default=found.version,
                        label="版本号")
    reason = override_reason(request.form.get("reason"))
    try:
        choice = duplicate_choice(found, request.form.get("mode", ""))
        rev = publish_draft(get_session(), found, cases_dir(), user_name(), vocab(),
                            analyzer=get_services().analyzer, version=version, reason=reason)
    except DraftInvalid as exc:
        return refuse(400, "草稿还有问题，不能发布", exc.errors, **back)
    except GateRefused as exc:
        return refuse(400, "数字或原句与来源原文不符，不能发布。请改正；如确认无误，"
                      "请在“越过核对的理由”里写明原因后再发布", exc.problems, **back)
    except AlreadyPublished as exc:
        return refuse(409, str(exc), **back)
    except DuplicateQuestion as exc:
        return refuse(409, str(exc), {"duplicates": exc.duplicates}, **back)
    except PublishError as exc:
        return refuse(400, str(exc), **back)
    return after_write(rev, f"{choice}发布 {found.slug}")


@publisher_required
def unpublish_case(slug: str):
    back = {"back": ("返回修订历史", url_for("admin.history", slug=slug))}
    if not confirmed():
        return refuse(400, "撤下前请勾选“确认撤下”：撤下后公众将看不到这个案例"
                      "（可在修订历史里恢复）", {"confirm": "未确认"}, **back)
    try:
        rev = unpublish(get_session(), slug, cases_dir(), user_name())
    except PublishError as exc:
        return refuse(400, str(exc), **back)
    return after_write(rev, f"撤下 {slug}")


@publisher_required
def revert_revision(revision_id: int):
    back = {"back": ("返回已发布案例", url_for("admin.cases"))}
    if not confirmed():
        return refuse(400, "恢复前请勾选“确认恢复”：案例将换成这个版本的内容",
                      {"confirm": "未确认"}, **back)
    try:
        rev = revert(get_session(), revision_id, cases_dir(), user_name(), vocab())
    except PublishError as exc:
        return refuse(400, str(exc), **back)
    return after_write(rev, f"恢复 {rev.target}（修订 #{revision_id}）")


@publisher_required
def rename(slug: str):
    """Give a published case a new id; its old URL redirects to the new one."""
    back = {"back": ("返回修订历史", url_for("admin.history", slug=slug))}
    new_slug = request.form.get("new_id", "").strip()
    if not is_slug(new_slug):
        return refuse(400, SLUG_RULE, {"new_id": SLUG_RULE}, **back)
    if new_slug in get_service().generation().catalog:
        return refuse(400, f"编号 {new_slug} 已被占用，请换一个", {"new_id": "已被占用"}, **back)
    if not confirmed():
        return refuse(400, "改编号前请勾选“确认改编号”：旧网址将跳转到新网址",
                      {"confirm": "未确认"}, **back)
    try:
        rev = rename_case(get_session(), slug, new_slug, cases_dir(), user_name())
    except PublishError as exc:
        return refuse(400, str(exc), **back)
    return after_write(rev, f"改编号 {slug} → {new_slug}")


class DuplicateQuestion(Exception):
    """A flagged draft published without saying: update which case, or a new one."""

    def __init__(self, duplicates: list[dict]):
        self.duplicates = duplicates
        names = "、".join(f"《{d['title']}》（{d['reason']}）" for d in duplicates)
        super().__init__(f"这篇草稿可能与已有案例重复：{names}。请在发布处选择“更新已有案例”，"
                         "或勾选确认后“作为新案例发布”")


def duplicate_choice(found: Draft, mode: str) -> str:
    """What publishing a flagged draft does, as the publisher chose; a draft that is not
    flagged (or only by its own earlier publication) needs no choice.

    :raise DuplicateQuestion: when flagged and no valid choice was made.
    """
    meta, body = split_text(found.text)
    own = found.slug if found.status == "published" else None
    dups = [d for d in duplicates(found, meta) if d["id"] != own]
    if not dups:
        return ""
    if mode.startswith("update:") and mode[7:] in {d["id"] for d in dups}:
        meta["id"] = mode[7:]  # a new revision of that case: same id, same URL
        found.text = join_text(meta, body)
        return "更新已有案例："
    if mode == "new" and request.form.get("confirm") == "1":
        if str(meta.get("id")) in get_service().generation().catalog:
            raise PublishError("编号与已有案例相同：作为新案例发布前请先改编号")
        return "作为新案例："
    raise DuplicateQuestion(dups)


def confirmed() -> bool:
    return request.form.get("confirm") == "1"


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
         "at": local_time(r.created_at), "diff": r.diff, "removed": r.content is None,
         "note": r.note, "current": i == 0}
        for i, r in enumerate(revs)]})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/uploads", "upload", upload, methods=["POST"])
    bp.add_url_rule("/drafts/<int:draft_id>", "draft", draft)
    bp.add_url_rule("/drafts/<int:draft_id>", "save", save, methods=["POST"])
    bp.add_url_rule("/drafts/<int:draft_id>/publish", "publish", publish, methods=["POST"])
    bp.add_url_rule("/cases", "cases", cases)
    bp.add_url_rule("/cases/<slug>/unpublish", "unpublish", unpublish_case, methods=["POST"])
    bp.add_url_rule("/cases/<slug>/history", "history", case_history)
    bp.add_url_rule("/cases/<slug>/rename", "rename", rename, methods=["POST"])
    bp.add_url_rule("/revisions/<int:revision_id>/revert", "revert", revert_revision,
                    methods=["POST"])
