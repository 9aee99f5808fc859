"""Publish a draft as a case file, unpublish a case, revert to an earlier revision.

Each write goes through records.write_revision (atomic file + revision + audit) and commits;
the caller then starts a reindex (editorial.jobs), so the request never waits for a build.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from analysis.analyzer import Analyzer
from analysis.vocabulary import Vocabulary
from casefile.slug import SLUG_RULE
from casefile.slug import is_slug
from editorial.drafts import ID_LINE_RE
from editorial.drafts import DraftInvalid
from editorial.drafts import check_text
from editorial.drafts import split_text
from editorial.gate import GateRefused
from editorial.gate import blocking
from editorial.gate import provenance_problems
from editorial.models import CaseRedirect
from editorial.models import Draft
from editorial.models import Revision
from editorial.records import audit
from editorial.records import read_text
from editorial.records import write_revision


class PublishError(Exception):
    """A publish, unpublish or revert that cannot be done; the message is Chinese."""


def case_path(cases_dir: Path, slug: str) -> Path:
    if not is_slug(slug):  # a slug becomes a file name: no path tricks
        raise PublishError(SLUG_RULE)
    return Path(cases_dir) / f"{slug}.md"


class AlreadyPublished(PublishError):
    """The same version of the draft was published a moment ago (a double click)."""


def publish_draft(session: Session, draft: Draft, cases_dir: Path, user: str,
                  vocab: Vocabulary, *, analyzer: Analyzer, version: int | None = None,
                  reason: str | None = None) -> Revision:
    """Write the draft as cases/<id>.md (replacing an earlier version of it); commits.

    :param version: the draft version the publisher saw; a second request for the same
        version (a double click) publishes nothing and raises AlreadyPublished.
    :param reason: a publisher's written reason to publish despite provenance problems.
    :raise GateRefused: figures or quotes the source does not back, and no reason given.
    """
    errors = check_text(draft.text, vocab)
    if errors:
        raise DraftInvalid(errors)
    problems = blocking(provenance_problems(draft.text, draft.upload.source_text, vocab,
                                            analyzer))
    if problems and reason is None:
        raise GateRefused(problems)
    seen = draft.version if version is None else version
    # The claim: one UPDATE moves the version on, so of two equal requests only one passes.
    claimed = session.execute(update(Draft).where(Draft.id == draft.id, Draft.version == seen)
                              .values(version=Draft.version + 1, status="published"))
    if claimed.rowcount != 1:
        session.rollback()
        raise AlreadyPublished("这一版已经发布过，或刚被别人修改：请刷新页面后再看")
    slug = str(split_text(draft.text)[0]["id"])
    rev = write_revision(session, case_path(cases_dir, slug), f"case:{slug}", draft.text,
                         "publish", user)
    if problems:
        rev.note = f"发布员说明：{reason}\n未通过的核对：" + "；".join(problems.values())
    draft.slug = slug
    detail = f"case:{slug}" + (f"；越过核对，理由：{reason}" if problems else "")
    audit(session, user, "publish-draft", f"draft:{draft.id}", detail)
    session.commit()
    session.refresh(draft)
    return rev


def unpublish(session: Session, slug: str, cases_dir: Path, user: str) -> Revision:
    """Remove cases/<slug>.md (its text stays in the revisions, so revert brings it back)."""
    path = case_path(cases_dir, slug)
    if read_text(path) is None:
        raise PublishError(f"案例 {slug} 没有对应的文件 {path.name}，无法撤下")
    rev = write_revision(session, path, f"case:{slug}", None, "unpublish", user)
    _mark_drafts(session, slug, "draft")
    session.commit()
    return rev


def _mark_drafts(session: Session, slug: str, status: str) -> None:
    """Drafts of `slug` show whether their case is live (after unpublish or revert)."""
    session.execute(update(Draft).where(Draft.slug == slug).values(status=status))


def revert(session: Session, revision_id: int, cases_dir: Path, user: str,
           vocab: Vocabulary) -> Revision:
    """Make an earlier revision's content current again, as a new revision; commits."""
    old = session.get(Revision, revision_id)
    if old is None or not old.target.startswith("case:"):
        raise PublishError("没有这个案例修订记录")
    slug = old.target.removeprefix("case:")
    path = case_path(cases_dir, slug)
    if old.content is not None and check_text(old.content, vocab):
        raise PublishError("这个版本已不符合当前的案例格式，无法恢复")
    if old.content is None and read_text(path) is None:
        raise PublishError("案例已经不在发布目录中")
    rev = write_revision(session, path, old.target, old.content, "revert", user)
    rev.diff = f"# 恢复到修订 #{old.id}\n{rev.diff}"
    _mark_drafts(session, slug, "draft" if old.content is None else "published")
    session.commit()
    return rev


def rename_case(session: Session, slug: str, new_slug: str, cases_dir: Path, user: str) -> Revision:
    """Move a published case to a new id; its old URL redirects there (CaseRedirect); commits.

    Two revisions: the text under its new id, and the old id removed (so each history shows it).
    """
    old_path, new_path = case_path(cases_dir, slug), case_path(cases_dir, new_slug)
    text = read_text(old_path)
    if text is None:
        raise PublishError(f"案例 {slug} 没有对应的文件，无法改编号")
    if new_slug == slug or read_text(new_path) is not None:
        raise PublishError(f"编号 {new_slug} 已被占用，请换一个")
    renamed = ID_LINE_RE.sub(f"id: {new_slug}", text, count=1)
    rev = write_revision(session, new_path, f"case:{new_slug}", renamed, "rename", user)
    gone = write_revision(session, old_path, f"case:{slug}", None, "rename", user)
    gone.note = rev.note = f"编号 {slug} 改为 {new_slug}，旧网址跳转到新网址"
    session.execute(update(CaseRedirect).where(CaseRedirect.new_slug == slug)
                    .values(new_slug=new_slug))  # older names follow to the newest
    session.execute(delete(CaseRedirect).where(CaseRedirect.old_slug == new_slug))
    session.add(CaseRedirect(old_slug=slug, new_slug=new_slug, created_by=user))
    for draft in session.scalars(select(Draft).where(Draft.slug == slug)):
        draft.text = ID_LINE_RE.sub(f"id: {new_slug}", draft.text, count=1)
        draft.slug, draft.version = new_slug, draft.version + 1  # an open form must reload
    session.commit()
    return rev


def renamed_to(session: Session, slug: str) -> str | None:
    """The id a renamed case has now, if `slug` is an old one."""
    return session.scalar(select(CaseRedirect.new_slug).where(CaseRedirect.old_slug == slug))
